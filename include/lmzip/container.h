// The .lmz container: compressing and decompressing whole streams in chunks.
// The format is specified in docs/format.md.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lmzip/io.h"
#include "lmzip/model.h"
#include "lmzip/status.h"

namespace lmzip {

class ProgressBar;

inline constexpr uint32_t kMinChunkSize = 1;
inline constexpr uint32_t kMaxChunkSize = 1u << 30;  // 1 GiB

struct CompressOptions {
  ModelSpec model;
  // Bytes per independently coded chunk; 0 picks the level's default.
  uint32_t chunk_size = 0;
  // Worker threads (chunks coded in parallel). The output does not depend on it.
  int threads = 1;
  // Bytes all workers together may hold (0: no bound): fewer threads run when
  // `threads` workers, each with a model and its chunk in and out, would need more
  // (WorkerThreads). Never fewer than one.
  uint64_t memory_limit = 0;
  // Size of the input when known in advance (recorded as a hint), else nullopt.
  std::optional<uint64_t> size_hint;
  ProgressBar* progress = nullptr;  // counts input bytes; may be null
};

struct DecompressOptions {
  int threads = 1;
  uint64_t memory_limit = 0;  // as CompressOptions::memory_limit
  // A model family's weights file, when the stream was made with one.
  std::string weights_path;
  // Largest chunk accepted; a file declaring larger chunks is refused before any
  // memory is spent on it (fuzzers and services set this low).
  uint32_t max_chunk_size = kMaxChunkSize;
  ProgressBar* progress = nullptr;  // counts output bytes; may be null
};

// Default chunk size of a model level: larger chunks code better, smaller ones
// spread over more threads.
uint32_t DefaultChunkSize(int level);

// Threads to run: `requested` (at least 1), lowered while that many workers, each
// holding a model of `model_bytes` and a chunk of `chunk_size` read and coded, would
// pass `memory_limit` bytes (0: no bound); never fewer than 1.
int WorkerThreads(int requested, uint64_t memory_limit, uint64_t model_bytes, uint64_t chunk_size);

struct CompressStats {
  uint64_t input_bytes = 0;
  uint64_t output_bytes = 0;
  uint64_t chunks = 0;
};

Result<CompressStats> Compress(ByteSource& in, ByteSink& out, const CompressOptions& options);
// Decodes and verifies every checksum; writes nothing past the first bad chunk.
Result<CompressStats> Decompress(ByteSource& in, ByteSink& out, const DecompressOptions& options);

// What `lmzip info` shows.
struct ContainerInfo {
  int format_version = 0;
  std::string model_name;
  int model_level = 0;
  int model_version = 0;
  uint64_t weights_hash = 0;
  uint32_t chunk_size = 0;
  uint64_t original_size = 0;
  uint64_t compressed_size = 0;
  uint64_t content_hash = 0;  // XXH64 of the original data
  std::vector<uint32_t> chunk_raw_sizes;
  std::vector<uint32_t> chunk_coded_sizes;
  std::vector<uint8_t> chunk_methods;
};

// Reads `n` bytes at `offset` of a file into `dst`, or fails.
using ReadAtFn = std::function<Status(uint64_t offset, size_t n, uint8_t* dst)>;

// Reads the header and the chunk index of a complete .lmz file of `file_size` bytes
// (header at the start, index found through the footer at the end).
Result<ContainerInfo> ReadContainerInfo(const ReadAtFn& read_at, uint64_t file_size);
Result<ContainerInfo> ReadContainerInfo(std::span<const uint8_t> file);

}  // namespace lmzip
