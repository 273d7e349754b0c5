// Decode-only fuzz target: any byte string fed to the .lmz reader must give either
// the original data with every checksum matching, or a clean error. Never a crash,
// a hang or unbounded memory.
#include <cstddef>
#include <cstdint>

#include "lmzip/container.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  lmzip::MemorySource in(std::span<const uint8_t>(data, size));
  lmzip::MemorySink out;
  lmzip::DecompressOptions options;
  options.max_chunk_size = 1 << 16;
  (void)lmzip::Decompress(in, out, options);
  (void)lmzip::ReadContainerInfo(std::span<const uint8_t>(data, size));
  return 0;
}
