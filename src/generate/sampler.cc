#include "generate/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace lmzip::generate {

Sampler::Sampler(const SampleOptions& options) : options_(options), state_(options.seed) {}

double Sampler::Uniform() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

ByteDistribution Sampler::Shape(const ByteDistribution& p, double temperature, int top_k) {
  ByteDistribution q{};
  if (temperature <= 0) {
    const auto best = std::max_element(p.begin(), p.end());
    q[static_cast<size_t>(best - p.begin())] = 1;
    return q;
  }
  // Tempered in the log domain, relative to the largest, so nothing underflows first.
  const double top = *std::max_element(p.begin(), p.end());
  for (size_t b = 0; b < 256; ++b) {
    q[b] = p[b] > 0 && top > 0 ? std::exp((std::log(p[b]) - std::log(top)) / temperature) : 0;
  }
  if (top_k > 0 && top_k < 256) {
    std::array<int, 256> order;
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return q[a] > q[b]; });
    for (size_t i = static_cast<size_t>(top_k); i < 256; ++i) q[static_cast<size_t>(order[i])] = 0;
  }
  double total = 0;
  for (double v : q) total += v;
  if (!(total > 0)) {
    q.fill(1.0 / 256);
    return q;
  }
  for (double& v : q) v /= total;
  return q;
}

Result<uint8_t> Sampler::Next(NextByteModel& model) {
  const bool plain = options_.temperature == 1.0 && (options_.top_k <= 0 || options_.top_k >= 256);
  if (model.has_distribution() && !(plain && model.bitwise())) {
    LMZIP_ASSIGN_OR_RETURN(ByteDistribution p, model.Distribution());
    const ByteDistribution q = Shape(p, options_.temperature, options_.top_k);
    const double u = Uniform();
    double acc = 0;
    int pick = -1;
    for (int b = 0; b < 256; ++b) {
      if (q[static_cast<size_t>(b)] <= 0) continue;
      pick = b;  // the last byte with mass takes any rounding remainder
      acc += q[static_cast<size_t>(b)];
      if (u < acc) break;
    }
    const uint8_t byte = static_cast<uint8_t>(pick < 0 ? 0 : pick);
    LMZIP_RETURN_IF_ERROR(model.Observe(byte));
    return byte;
  }
  if (options_.top_k > 0 && options_.top_k < 256) {
    return Status::NotSupported(model.name() +
                                " gives no whole byte distribution, so top-k cannot apply");
  }
  int byte = 0;
  for (int i = 0; i < 8; ++i) {
    LMZIP_ASSIGN_OR_RETURN(double p1, model.BitProbability());
    int bit;
    if (options_.temperature <= 0) {
      bit = p1 > 0.5 ? 1 : 0;
    } else {
      const double a = std::pow(p1, 1 / options_.temperature);
      const double b = std::pow(1 - p1, 1 / options_.temperature);
      bit = Uniform() * (a + b) < a ? 1 : 0;
    }
    LMZIP_RETURN_IF_ERROR(model.ObserveBit(bit));
    byte = (byte << 1) | bit;
  }
  return static_cast<uint8_t>(byte);
}

}  // namespace lmzip::generate
