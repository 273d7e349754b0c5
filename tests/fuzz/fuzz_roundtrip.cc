// Round-trip fuzz target: whatever the input, compressing then decompressing gives
// it back exactly. The first byte picks the model, level and chunk size.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "lmzip/container.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t knob = data[0];
  std::span<const uint8_t> payload(data + 1, size - 1);
  lmzip::CompressOptions options;
  options.model.name = (knob & 0x80) ? "order0" : "cm";
  options.model.level = 1 + (knob & 0x07) % 9;
  options.chunk_size = 1 + ((knob >> 3) & 0x0F) * 97;
  options.threads = 1 + (knob >> 6 & 1);
  lmzip::MemorySource in(payload);
  lmzip::MemorySink packed;
  auto stats = lmzip::Compress(in, packed, options);
  if (!stats.ok()) std::abort();
  lmzip::MemorySource packed_in(packed.bytes());
  lmzip::MemorySink out;
  lmzip::DecompressOptions dopt;
  dopt.threads = options.threads;
  auto back = lmzip::Decompress(packed_in, out, dopt);
  if (!back.ok()) std::abort();
  if (out.bytes().size() != payload.size() ||
      !std::equal(payload.begin(), payload.end(), out.bytes().begin())) {
    std::abort();
  }
  return 0;
}
