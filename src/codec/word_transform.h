// A reversible word transform for English-like text, applied to a chunk before the
// model codes it (docs/format.md, "The word transform"). The chunk's frequent words
// become one- or two-byte codes taken from byte values the chunk does not use, and
// capitalisation becomes a flag byte before the word; the dictionary heads the
// transformed bytes, so the model codes it too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "lmzip/status.h"

namespace lmzip::words {

// Smallest chunk the container transforms, in bytes: on smaller chunks the
// dictionary costs more than the codes save.
inline constexpr size_t kMinChunkSize = size_t{64} << 10;

struct ForwardOptions {
  // A word enters the dictionary when it occurs at least this often (lower case,
  // Capitalised and ALL-CAPS forms counted together); 0: chosen by the chunk's size.
  uint32_t min_count = 0;
  // Transform only what looks like text (mostly printable, letters and spaces).
  bool require_text = true;
  // Transform only when the result is shorter than the input.
  bool require_gain = true;
};

// Transforms `raw` into `out` (replacing its contents) and returns true, or returns
// false (out unspecified) when `raw` lacks the free byte values the codes and flags
// need (two ASCII punctuation or control bytes other than tab, LF and CR, and 16 of
// 0x80-0xff) or fails a condition of `options`. Deterministic: depends only on `raw` and `options`.
bool Forward(std::span<const uint8_t> raw, std::vector<uint8_t>* out, const ForwardOptions& options = {});

// Inverts Forward: writes exactly `raw_size` bytes to `out` (replacing its
// contents). Treats `transformed` as hostile: a malformed dictionary, a bad code or
// an output of another size is Corruption, and `out` never grows past `raw_size`.
Status Inverse(std::span<const uint8_t> transformed, size_t raw_size, std::vector<uint8_t>* out);

}  // namespace lmzip::words
