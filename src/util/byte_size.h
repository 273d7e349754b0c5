// Byte counts as users type them on the command line, one convention for every
// command: SI multiples are decimal (k = 1000, M = 10^6, G = 10^9: enwik8 is "100M"),
// IEC multiples are binary (Ki = 1024, Mi = 2^20, Gi = 2^30), with an optional
// trailing B ("64k", "64kB", "1Mi", "1MiB", "100000").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "lmzip/status.h"

namespace lmzip {

// InvalidArgument naming `text` when it is not a size or does not fit in 64 bits.
Result<uint64_t> ParseByteSize(std::string_view text);

}  // namespace lmzip
