// One interface for every compressor that lmzip can run or measure: lmzip's own
// model codec and the classical baselines. Implementations are stateless between
// calls and safe to call from several threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "lmzip/status.h"

namespace lmzip {

class Codec {
 public:
  virtual ~Codec() = default;

  // Short stable name used in tables ("gzip", "lzma2", "lmzip-cm-9", ...).
  virtual std::string name() const = 0;

  // Compresses `input` into a self-delimiting stream.
  virtual Result<std::vector<uint8_t>> Compress(std::span<const uint8_t> input) const = 0;

  // Decompresses `input`. `original_size` is the size that Compress was given; codecs
  // that record it themselves may use it only as a check.
  virtual Result<std::vector<uint8_t>> Decompress(std::span<const uint8_t> input,
                                                  size_t original_size) const = 0;

  // Number of model parameters, for the adjusted rate (2 bytes per parameter).
  virtual uint64_t parameter_count() const { return 0; }
  // Bytes of any primed state or weights file the decoder needs, counted in the
  // adjusted rate in addition to parameters.
  virtual uint64_t side_bytes() const { return 0; }
};

}  // namespace lmzip
