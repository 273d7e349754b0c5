// Datasets for the bench, with the paper's modality transforms (section 3.1):
//   text    a raw file (enwik9 and the like), bytes as they are, chunks contiguous
//   images  PNG/JPEG -> grayscale (truncated mean of R, G, B) -> non-overlapping
//           32 x 64 patches in row-major order, edges that do not fill a patch dropped
//   audio   WAV/FLAC (and whatever else libsndfile reads) -> 16-bit samples -> 8-bit
//           unsigned (high byte + 128), each file cut into whole chunks, the last
//           partial chunk dropped
//   random  uniform bytes from a seeded generator
// Every loader takes a cap in bytes (0 = no cap) and returns the transformed stream:
// chunks back to back, so that the chunked and the whole-stream runs see the same bytes.
// Files that cannot be used are named in `warnings` and skipped; a source with nothing
// usable in it is an error.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lmzip/status.h"

namespace lmzip {

enum class Modality { kText, kImage, kAudio, kRandom };

// "text", "images", "audio", "random": the bench's column names.
std::string_view ModalityName(Modality modality);

// The paper's image patch: 32 rows x 64 columns = one 2048-byte chunk.
inline constexpr uint32_t kPatchRows = 32;
inline constexpr uint32_t kPatchCols = 64;

struct Dataset {
  Modality modality = Modality::kText;
  std::string source;           // the path, or how the bytes were made
  std::vector<uint8_t> bytes;   // the transformed stream
  uint32_t sample_rate = 0;     // audio: the sources' rate in Hz (0 otherwise)
  size_t files_used = 0;        // files that contributed bytes
  std::vector<std::string> warnings;  // one line per skipped file, naming it
};

// The first `max_bytes` bytes of the file at `path`.
Result<Dataset> LoadTextFile(const std::string& path, uint64_t max_bytes);

// The patches of every PNG/JPEG under `path` (a folder, searched recursively in sorted
// order, or one image file), until `max_bytes` is reached (whole patches only).
Result<Dataset> LoadImageFolder(const std::string& path, uint64_t max_bytes);

// The 8-bit samples of every audio file under `path` (recursively, sorted: a
// LibriSpeech tree works as is; or one file), each file cut to a multiple of
// `chunk_size` bytes, until `max_bytes` is reached (whole chunks only). Files ending
// in .raw are read as headerless 16 kHz 16-bit little-endian mono.
Result<Dataset> LoadAudioFolder(const std::string& path, uint64_t max_bytes, size_t chunk_size);

// `size` uniform bytes from splitmix64 seeded with `seed`: the same on every platform.
Dataset MakeRandomBytes(uint64_t size, uint64_t seed);

// ---- the transforms, for tests and for callers with their own decoding ----

struct GrayImage {
  uint32_t width = 0;
  uint32_t height = 0;
  std::vector<uint8_t> pixels;  // row-major, width * height bytes
};

// Decodes a PNG or a JPEG (told apart by signature, not by name) to grayscale.
// Corruption for damaged or foreign data, NotSupported for a colour model lmzip does
// not convert (CMYK JPEG).
Result<GrayImage> DecodeImageAsGray(std::span<const uint8_t> file);

// The paper's grayscale: floor((r + g + b) / 3).
inline uint8_t GrayFromRgb(uint8_t r, uint8_t g, uint8_t b) {
  return static_cast<uint8_t>((unsigned{r} + g + b) / 3);
}

// Appends the non-overlapping patch_rows x patch_cols patches of `image`, row-major
// (left to right, then top to bottom), each patch's rows back to back. Stops before a
// patch that would take `out` beyond `max_bytes` (0 = no cap). Returns patches added.
size_t AppendPatches(const GrayImage& image, uint32_t patch_rows, uint32_t patch_cols,
                     uint64_t max_bytes, std::vector<uint8_t>* out);

// The paper's 16 -> 8 bit: the signed high byte, plus 128.
inline uint8_t Unsigned8FromPcm16(int16_t sample) {
  return static_cast<uint8_t>((sample >> 8) + 128);
}

}  // namespace lmzip
