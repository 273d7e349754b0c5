// Word transform fuzz target. An even first byte: the rest, transformed with a
// dictionary of every word seen twice, must come back exactly. An odd first byte:
// the rest, read as a transformed chunk of (first byte x 37) bytes, must decode or
// fail cleanly, never writing more than that.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "codec/word_transform.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t knob = data[0];
  std::span<const uint8_t> payload(data + 1, size - 1);
  std::vector<uint8_t> out;
  if ((knob & 1) == 0) {
    std::vector<uint8_t> transformed;
    lmzip::words::ForwardOptions options;
    options.min_count = 2;
    options.require_text = false;
    options.require_gain = false;
    if (!lmzip::words::Forward(payload, &transformed, options)) return 0;
    if (!lmzip::words::Inverse(transformed, payload.size(), &out).ok()) std::abort();
    if (out.size() != payload.size() || !std::equal(out.begin(), out.end(), payload.begin())) std::abort();
    return 0;
  }
  const size_t raw_size = size_t{knob} * 37;
  const lmzip::Status s = lmzip::words::Inverse(payload, raw_size, &out);
  if (out.size() > raw_size || (s.ok() && out.size() != raw_size)) std::abort();
  return 0;
}
