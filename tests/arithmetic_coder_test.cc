#include "coder/arithmetic_coder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace lmzip {
namespace {

// Codes `bits` with fixed probabilities and returns the code; checks the round trip.
std::vector<uint8_t> RoundTripBits(const std::vector<int>& bits, const std::vector<Prob16>& probs) {
  std::vector<uint8_t> code;
  ArithmeticCoder enc(&code);
  for (size_t i = 0; i < bits.size(); ++i) EXPECT_EQ(enc.CodeBit(bits[i], probs[i]), bits[i]);
  enc.Flush();
  ArithmeticCoder dec(code);
  for (size_t i = 0; i < bits.size(); ++i) {
    EXPECT_EQ(dec.CodeBit(0, probs[i]), bits[i]) << "bit " << i;
    if (::testing::Test::HasFailure()) break;
  }
  return code;
}

double IdealBits(const std::vector<int>& bits, const std::vector<Prob16>& probs) {
  double total = 0;
  for (size_t i = 0; i < bits.size(); ++i) {
    const double p1 = probs[i] / 65536.0;
    total += -std::log2(bits[i] ? p1 : 1.0 - p1);
  }
  return total;
}

TEST(ArithmeticCoderTest, EmptyStreamIsEmpty) {
  std::vector<uint8_t> code;
  ArithmeticCoder enc(&code);
  enc.Flush();
  EXPECT_LE(code.size(), 1u);
}

TEST(ArithmeticCoderTest, SizeWithinPointOnePercentOfIdealOnBernoulliSources) {
  for (double p : {0.5, 0.9, 0.99, 0.3, 0.001}) {
    std::mt19937_64 rng(42);
    std::bernoulli_distribution dist(p);
    const Prob16 p16 = static_cast<Prob16>(std::lround(p * 65536.0));
    std::vector<int> bits(400000);
    for (int& b : bits) b = dist(rng) ? 1 : 0;
    std::vector<Prob16> probs(bits.size(), std::clamp<Prob16>(p16, 1, 65535));
    const std::vector<uint8_t> code = RoundTripBits(bits, probs);
    const double ideal_bytes = IdealBits(bits, probs) / 8.0;
    EXPECT_LE(static_cast<double>(code.size()), ideal_bytes * 1.001 + 8) << "p=" << p;
  }
}

TEST(ArithmeticCoderTest, VaryingProbabilitiesNearIdeal) {
  std::mt19937_64 rng(7);
  std::vector<int> bits(300000);
  std::vector<Prob16> probs(bits.size());
  for (size_t i = 0; i < bits.size(); ++i) {
    probs[i] = static_cast<Prob16>(1 + rng() % 65535);
    bits[i] = (rng() % 65536) < probs[i] ? 1 : 0;  // bit drawn from its own probability
  }
  const std::vector<uint8_t> code = RoundTripBits(bits, probs);
  EXPECT_LE(static_cast<double>(code.size()), IdealBits(bits, probs) / 8.0 * 1.001 + 8);
}

TEST(ArithmeticCoderTest, ExtremeProbabilitiesRoundTrip) {
  // Likely and unlikely outcomes at both extremes, including the "impossible" ones.
  std::vector<int> bits;
  std::vector<Prob16> probs;
  std::mt19937 rng(3);
  for (int i = 0; i < 20000; ++i) {
    const bool high = rng() & 1;
    probs.push_back(high ? 65535 : 1);
    const bool surprise = rng() % 100 == 0;
    bits.push_back(high != surprise ? 1 : 0);
  }
  RoundTripBits(bits, probs);
  // Out-of-range inputs are clamped, not undefined.
  std::vector<uint8_t> code;
  ArithmeticCoder enc(&code);
  enc.CodeBit(1, 0);
  enc.CodeBit(0, 70000);
  enc.Flush();
  ArithmeticCoder dec(code);
  EXPECT_EQ(dec.CodeBit(0, 0), 1);
  EXPECT_EQ(dec.CodeBit(0, 70000), 0);
}

TEST(ArithmeticCoderTest, AllLikelyBitsCostAlmostNothing) {
  std::vector<int> bits(1 << 20, 1);
  std::vector<Prob16> probs(bits.size(), 65535);
  const std::vector<uint8_t> code = RoundTripBits(bits, probs);
  EXPECT_LE(static_cast<double>(code.size()), IdealBits(bits, probs) / 8.0 * 1.001 + 8);
}

TEST(ArithmeticCoderTest, SymbolsFromCdfNearIdealAndRoundTrip) {
  for (int total_bits : {12, 16, 24}) {
    std::vector<uint32_t> weights(256);
    std::mt19937_64 rng(total_bits);
    for (uint32_t& w : weights) w = static_cast<uint32_t>(rng() % 1000);
    weights[7] = 0;  // impossible per the model: must still be codable
    std::vector<uint32_t> cdf;
    MakeCdf(weights, total_bits, &cdf);
    ASSERT_EQ(cdf.size(), 257u);
    ASSERT_EQ(cdf.back(), 1u << total_bits);
    for (int s = 0; s < 256; ++s) ASSERT_LT(cdf[s], cdf[s + 1]);
    std::discrete_distribution<int> dist(weights.begin(), weights.end());
    std::vector<int> symbols(100000);
    for (int& s : symbols) s = dist(rng);
    symbols[500] = 7;
    std::vector<uint8_t> code;
    ArithmeticCoder enc(&code);
    double ideal = 0;
    for (int s : symbols) {
      enc.CodeSymbol(s, cdf, total_bits);
      ideal += -std::log2(static_cast<double>(cdf[s + 1] - cdf[s]) / (1u << total_bits));
    }
    enc.Flush();
    EXPECT_LE(static_cast<double>(code.size()), ideal / 8.0 * 1.001 + 8) << total_bits;
    ArithmeticCoder dec(code);
    for (size_t i = 0; i < symbols.size(); ++i) {
      ASSERT_EQ(dec.CodeSymbol(0, cdf, total_bits), symbols[i]) << i;
    }
  }
}

TEST(ArithmeticCoderTest, BitsAndSymbolsInterleave) {
  std::vector<uint32_t> cdf;
  std::vector<uint32_t> weights = {1, 2, 3, 4, 5};
  MakeCdf(weights, 16, &cdf);
  std::vector<uint8_t> code;
  ArithmeticCoder enc(&code);
  for (int i = 0; i < 5000; ++i) {
    enc.CodeBit(i & 1, 20000);
    enc.CodeSymbol(i % 5, cdf, 16);
  }
  enc.Flush();
  ArithmeticCoder dec(code);
  for (int i = 0; i < 5000; ++i) {
    ASSERT_EQ(dec.CodeBit(0, 20000), i & 1);
    ASSERT_EQ(dec.CodeSymbol(0, cdf, 16), i % 5);
  }
}

TEST(ArithmeticCoderTest, GarbageInputDecodesWithoutCrashing) {
  std::vector<uint8_t> junk(64, 0xFF);
  ArithmeticCoder dec(junk);
  std::vector<uint32_t> cdf;
  std::vector<uint32_t> weights(256, 1);
  MakeCdf(weights, 16, &cdf);
  for (int i = 0; i < 1000; ++i) {
    const int b = dec.CodeBit(0, 30000);
    EXPECT_TRUE(b == 0 || b == 1);
    const int s = dec.CodeSymbol(0, cdf, 16);
    EXPECT_TRUE(s >= 0 && s < 256);
  }
}

}  // namespace
}  // namespace lmzip
