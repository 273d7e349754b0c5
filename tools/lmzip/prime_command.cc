// lmzip prime: trains the context-mixing model on a corpus and writes its state as a
// weights file, so that short inputs (the bench's 2048-byte chunks) start warm.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "model/cm.h"
#include "util/byte_size.h"
#include "util/file_io.h"

namespace {

lmzip::Status ReadAll(const std::string& path, std::vector<uint8_t>* out) {
  LMZIP_ASSIGN_OR_RETURN(std::unique_ptr<lmzip::FileSource> in, lmzip::FileSource::Open(path));
  uint8_t buf[1 << 16];
  for (;;) {
    LMZIP_ASSIGN_OR_RETURN(size_t got, in->Read(buf, sizeof buf));
    if (got == 0) return lmzip::Status::Ok();
    out->insert(out->end(), buf, buf + got);
  }
}

}  // namespace

int PrimeMain(int argc, char** argv) {
  CLI::App app{
      "Trains the context-mixing model on corpus files and writes its state to FILE.lmzw.\n"
      "Compress and decompress with --model FILE.lmzw at the same level: the .lmz header\n"
      "records the file's hash, and decoding needs the very same file.\n"
      "With --signal-prior, learns the model's built-in starting weights for signals\n"
      "instead and writes them as C++ source (src/model/cm_signal_prior.inc).",
      "lmzip prime"};
  int level = 6;
  std::string out_path;
  std::vector<std::string> corpus_paths;
  std::string max_bytes_text = "0", skip_text = "0";
  std::string images_dir, audio_dir;
  bool force = false;
  app.add_option("-l,--level", level, "Model level the state is for")->capture_default_str()->check(CLI::Range(1, 9));
  app.add_option("-o,--out", out_path, "Weights file to write (FILE.lmzw), or the C++ source with --signal-prior")
      ->required();
  bool signal_prior = false;
  app.add_flag("--signal-prior", signal_prior,
               "Learn the built-in signal prior (level 6, 2048-byte chunks) and write it as C++ source");
  app.add_option("--max-bytes", max_bytes_text,
                 "Train on at most this many corpus bytes (0: all; k, M: powers of 1000; Ki, Mi: of 1024)");
  app.add_flag("-f,--force", force, "Overwrite the output");
  app.add_option("--skip", skip_text,
                 "Leave out the first bytes of the corpus (e.g. the part a bench run codes)");
  std::string audio_skip_text;
  app.add_option("--audio-skip", audio_skip_text,
                 "With --signal-prior and both --images and --audio: --skip for the audio (default: --skip)");
  app.add_option("--images", images_dir,
                 "Train on a folder of images as the bench codes them (32x64 grayscale patches)");
  app.add_option("--audio", audio_dir,
                 "Train on a folder of audio as the bench codes it (8-bit samples, 16 kHz)");
  app.add_option("corpus", corpus_paths, "Training files, read in order");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  const bool both = !images_dir.empty() && !audio_dir.empty();
  if (corpus_paths.empty() == (images_dir.empty() && audio_dir.empty()) || (both && !signal_prior) ||
      (both && !corpus_paths.empty())) {
    std::fprintf(stderr,
                 "lmzip prime: give corpus files, or one of --images DIR and --audio DIR (both with "
                 "--signal-prior)\n");
    return 2;
  }
  const lmzip::Result<uint64_t> max_bytes = lmzip::ParseByteSize(max_bytes_text);
  const lmzip::Result<uint64_t> skip_bytes = lmzip::ParseByteSize(skip_text);
  const lmzip::Result<uint64_t> audio_skip_bytes = lmzip::ParseByteSize(audio_skip_text.empty() ? skip_text : audio_skip_text);
  for (const lmzip::Result<uint64_t>* n : {&max_bytes, &skip_bytes, &audio_skip_bytes}) {
    if (!n->ok()) {
      std::fprintf(stderr, "lmzip prime: %s\n", n->status().message().c_str());
      return 2;
    }
  }
  // Bytes to load so that `skip` of them can be left out and --max-bytes remain.
  const auto wanted = [&](uint64_t skip) {
    return *max_bytes > 0 && *max_bytes <= UINT64_MAX - skip ? skip + *max_bytes : UINT64_MAX;
  };
  // Leaves out the first `skip` bytes of `bytes` and keeps at most --max-bytes.
  const auto trim = [&](std::vector<uint8_t>& bytes, uint64_t skip) {
    bytes.erase(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(std::min<uint64_t>(skip, bytes.size())));
    if (*max_bytes > 0 && bytes.size() > *max_bytes) bytes.resize(*max_bytes);
  };
  std::vector<uint8_t> corpus;
  // The bench's own loaders, so that the state learns the bytes the bench codes.
  const uint64_t want = wanted(*skip_bytes);
  if (both) {
    // Images and audio alike: 2048-byte chunks taken in turn while both sets last (the
    // prior follows the last few dozen chunks it learns from), so that it serves both.
    auto images = lmzip::LoadImageFolder(images_dir, want);
    auto audio = images.ok() ? lmzip::LoadAudioFolder(audio_dir, wanted(*audio_skip_bytes), 2048) : images;
    if (!audio.ok()) {
      std::fprintf(stderr, "lmzip prime: %s\n", audio.status().message().c_str());
      return 1;
    }
    std::vector<uint8_t>* sets[2] = {&images->bytes, &audio->bytes};
    trim(images->bytes, *skip_bytes);
    trim(audio->bytes, *audio_skip_bytes);
    constexpr size_t kChunk = 2048;
    for (size_t off = 0; off + kChunk <= sets[0]->size() && off + kChunk <= sets[1]->size(); off += kChunk) {
      for (const std::vector<uint8_t>* set : sets) {
        corpus.insert(corpus.end(), set->begin() + static_cast<ptrdiff_t>(off),
                      set->begin() + static_cast<ptrdiff_t>(off + kChunk));
      }
    }
  } else if (!images_dir.empty() || !audio_dir.empty()) {
    auto data = images_dir.empty() ? lmzip::LoadAudioFolder(audio_dir, want, 2048)
                                   : lmzip::LoadImageFolder(images_dir, want);
    if (!data.ok()) {
      std::fprintf(stderr, "lmzip prime: %s\n", data.status().message().c_str());
      return 1;
    }
    corpus = std::move(data->bytes);
  }
  for (const std::string& path : corpus_paths) {
    const lmzip::Status s = ReadAll(path, &corpus);
    if (!s.ok()) {
      std::fprintf(stderr, "lmzip prime: %s: %s\n", path.c_str(), s.message().c_str());
      return 1;
    }
  }
  if (!both) trim(corpus, *skip_bytes);
  if (corpus.empty()) {
    std::fprintf(stderr, "lmzip prime: no corpus bytes left to train on\n");
    return 1;
  }
  // Writes `bytes` to the output whole (or not at all); false after saying why.
  const auto write_out = [&](std::span<const uint8_t> bytes) {
    auto sink = lmzip::FileSink::Create(out_path, force);
    lmzip::Status s = sink.ok() ? (*sink)->Write(bytes) : sink.status();
    if (s.ok()) s = (*sink)->Commit();
    // FileSink's messages name the path.
    if (!s.ok()) std::fprintf(stderr, "lmzip prime: %s\n", s.message().c_str());
    return s.ok();
  };
  if (signal_prior) {
    std::string command = "lmzip prime";
    for (int i = 1; i < argc; ++i) command += std::string(" ") + argv[i];
    auto source = lmzip::MakeSignalPrior(corpus, command);
    if (!source.ok()) {
      std::fprintf(stderr, "lmzip prime: %s\n", source.status().message().c_str());
      return 1;
    }
    if (!write_out(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(source->data()), source->size()))) {
      return 1;
    }
    std::fprintf(stderr, "lmzip prime: %zu corpus bytes -> signal prior %s\n", corpus.size(), out_path.c_str());
    return 0;
  }
  auto weights = lmzip::PrimeContextMixingModel(level, corpus);
  if (!weights.ok()) {
    std::fprintf(stderr, "lmzip prime: %s\n", weights.status().message().c_str());
    return 1;
  }
  if (!write_out(*weights)) return 1;
  std::fprintf(stderr, "lmzip prime: %zu corpus bytes -> %s (%zu bytes, level %d)\n", corpus.size(),
               out_path.c_str(), weights->size(), level);
  return 0;
}
