// Throughput of the arithmetic coder alone, and of whole-container compression.
#include <benchmark/benchmark.h>

#include <random>

#include "coder/arithmetic_coder.h"
#include "lmzip/container.h"

namespace lmzip {
namespace {

// 2^16 random probabilities (16-bit) and bits drawn from them.
struct BitSample {
  std::vector<uint16_t> probs;
  std::vector<uint8_t> bits;
};
const BitSample& Bits() {
  static const BitSample sample = [] {
    BitSample s;
    std::mt19937 rng(1);
    s.probs.resize(1 << 16);
    s.bits.resize(s.probs.size());
    for (size_t i = 0; i < s.probs.size(); ++i) {
      s.probs[i] = static_cast<uint16_t>(1 + rng() % 65535);
      s.bits[i] = (rng() & 0xFFFF) < s.probs[i];
    }
    return s;
  }();
  return sample;
}

void BM_CodeBits(benchmark::State& state) {
  const std::vector<uint16_t>& probs = Bits().probs;
  const std::vector<uint8_t>& bits = Bits().bits;
  std::vector<uint8_t> code;
  code.reserve(1 << 16);
  for (auto _ : state) {
    code.clear();
    ArithmeticCoder enc(&code);
    for (size_t i = 0; i < probs.size(); ++i) enc.CodeBit(bits[i], probs[i]);
    enc.Flush();
    benchmark::DoNotOptimize(code.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * probs.size() / 8));
}
BENCHMARK(BM_CodeBits);

void BM_DecodeBits(benchmark::State& state) {
  const std::vector<uint16_t>& probs = Bits().probs;
  const std::vector<uint8_t>& bits = Bits().bits;
  std::vector<uint8_t> code;
  ArithmeticCoder enc(&code);
  for (size_t i = 0; i < probs.size(); ++i) enc.CodeBit(bits[i], probs[i]);
  enc.Flush();
  for (auto _ : state) {
    ArithmeticCoder dec(code);
    int sum = 0;
    for (size_t i = 0; i < probs.size(); ++i) sum += dec.CodeBit(0, probs[i]);
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * probs.size() / 8));
}
BENCHMARK(BM_DecodeBits);

void BM_DecodeSymbols(benchmark::State& state) {
  std::vector<uint32_t> weights(256), cdf;
  for (int i = 0; i < 256; ++i) weights[i] = static_cast<uint32_t>(1000 / (i + 1));
  MakeCdf(weights, 16, &cdf);
  std::vector<uint8_t> code;
  ArithmeticCoder enc(&code);
  std::mt19937 rng(2);
  const int n = 1 << 16;
  for (int i = 0; i < n; ++i) enc.CodeSymbol(static_cast<int>(rng() % 256), cdf, 16);
  enc.Flush();
  for (auto _ : state) {
    ArithmeticCoder dec(code);
    int sum = 0;
    for (int i = 0; i < n; ++i) sum += dec.CodeSymbol(0, cdf, 16);
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * n);
}
BENCHMARK(BM_DecodeSymbols);

}  // namespace
}  // namespace lmzip
