#include <sndfile.h>

#include <memory>

#include "data/dataset.h"
#include "data/files.h"

namespace lmzip {
namespace {

// Headerless .raw files (as pocketsphinx's test data) are read as this.
constexpr int kRawSampleRate = 16000;

struct SndfileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};

// Appends the 8-bit samples of one file, whole chunks only, within max_bytes.
// Returns the file's sample rate.
Result<int> AppendAudioFile(const std::string& path, size_t chunk_size, uint64_t max_bytes,
                            std::vector<uint8_t>* out) {
  SF_INFO info{};
  if (HasExtension(path, {".raw"})) {
    info.samplerate = kRawSampleRate;
    info.channels = 1;
    info.format = SF_FORMAT_RAW | SF_FORMAT_PCM_16 | SF_ENDIAN_LITTLE;
  }
  std::unique_ptr<SNDFILE, SndfileCloser> file(sf_open(path.c_str(), SFM_READ, &info));
  if (!file) return Status::Corruption(sf_strerror(nullptr));
  if (info.channels < 1 || info.samplerate < 1) return Status::Corruption("no audio channels");
  const size_t start = out->size();
  const int channels = info.channels;
  constexpr sf_count_t kFrames = 4096;
  std::vector<short> frames(static_cast<size_t>(kFrames) * channels);
  for (;;) {
    const sf_count_t n = sf_readf_short(file.get(), frames.data(), kFrames);
    if (n <= 0) break;
    for (sf_count_t i = 0; i < n; ++i) {
      // Several channels are mixed down to their mean (rounded toward minus infinity).
      int sum = 0;
      for (int c = 0; c < channels; ++c) sum += frames[static_cast<size_t>(i) * channels + c];
      const int mean = sum >= 0 ? sum / channels : -((-sum + channels - 1) / channels);
      out->push_back(Unsigned8FromPcm16(static_cast<int16_t>(mean)));
    }
    if (max_bytes != 0 && out->size() >= max_bytes) break;
  }
  if (sf_error(file.get()) != SF_ERR_NO_ERROR) {
    out->resize(start);
    return Status::Corruption(sf_strerror(file.get()));
  }
  // Whole chunks only: the last partial chunk of each file is dropped.
  uint64_t keep = (out->size() - start) / chunk_size * chunk_size;
  if (max_bytes != 0 && start + keep > max_bytes) keep = (max_bytes - start) / chunk_size * chunk_size;
  out->resize(start + keep);
  return info.samplerate;
}

}  // namespace

Result<Dataset> LoadAudioFolder(const std::string& path, uint64_t max_bytes, size_t chunk_size) {
  if (chunk_size == 0) return Status::InvalidArgument("audio: chunk size must be > 0");
  Dataset data;
  data.modality = Modality::kAudio;
  data.source = path;
  LMZIP_ASSIGN_OR_RETURN(std::vector<std::string> files, ListFilesSorted(path));
  size_t ignored = 0;
  for (const std::string& file : files) {
    if (max_bytes != 0 && data.bytes.size() + chunk_size > max_bytes) break;
    if (!HasExtension(file, {".wav", ".flac", ".ogg", ".oga", ".aif", ".aiff", ".au", ".w64",
                             ".raw"})) {
      ++ignored;  // transcripts and the like in a LibriSpeech tree
      continue;
    }
    const size_t before = data.bytes.size();
    auto rate = AppendAudioFile(file, chunk_size, max_bytes, &data.bytes);
    if (!rate.ok()) {
      data.warnings.push_back(file + ": skipped: " + rate.status().ToString());
      continue;
    }
    if (data.bytes.size() == before) {
      data.warnings.push_back(file + ": skipped: shorter than one " + std::to_string(chunk_size) +
                              "-sample chunk");
      continue;
    }
    ++data.files_used;
    if (data.sample_rate == 0) {
      data.sample_rate = static_cast<uint32_t>(*rate);
    } else if (data.sample_rate != static_cast<uint32_t>(*rate)) {
      data.warnings.push_back(file + ": sample rate " + std::to_string(*rate) + " Hz differs from " +
                              std::to_string(data.sample_rate) + " Hz (used as is)");
    }
  }
  if (data.bytes.empty()) {
    return Status::InvalidArgument(path + ": no usable audio (" + std::to_string(files.size()) +
                                   " files, " + std::to_string(data.warnings.size()) +
                                   " unreadable or too short, " + std::to_string(ignored) +
                                   " without an audio extension)");
  }
  return data;
}

}  // namespace lmzip
