// Drawing bytes from a NextByteModel: temperature, top-k and a seeded generator, so
// that the same model, context, options and seed give the same bytes on every run.
#pragma once

#include <cstdint>

#include "generate/next_byte.h"

namespace lmzip::generate {

struct SampleOptions {
  // Divides log-probabilities: < 1 sharpens, > 1 flattens, 0 always takes the most
  // probable byte (the lowest such byte on a tie).
  double temperature = 1.0;
  // Keeps only the k most probable bytes (0 or 256: all). Needs a whole distribution.
  int top_k = 0;
  uint64_t seed = 1;
};

class Sampler {
 public:
  explicit Sampler(const SampleOptions& options);

  // Draws the next byte from `model`, appends it to the model's history, returns it.
  // A bitwise model is drawn bit by bit at temperature 1 without top-k (exact, and
  // 127 clones cheaper), and so is one without a whole distribution, with the
  // temperature applied to each bit (top-k is then refused with NotSupported).
  Result<uint8_t> Next(NextByteModel& model);

  // `p` reshaped by temperature and top-k, summing to 1.
  static ByteDistribution Shape(const ByteDistribution& p, double temperature, int top_k);

  // A uniform draw in [0, 1) with 53 random bits (splitmix64).
  double Uniform();

 private:
  SampleOptions options_;
  uint64_t state_;
};

}  // namespace lmzip::generate
