// src/nn: GGUF I/O, deterministic math, SIMD kernels against the scalar reference bit
// for bit, and the engine's batched evaluation against step-by-step evaluation.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "nn/det_math.h"
#include "nn/gguf.h"
#include "nn/kernels.h"
#include "nn/transformer.h"
#include "nn/transformer_weights.h"

namespace lmzip::nn {
namespace {

std::vector<float> RandomVector(size_t n, std::mt19937& rng, float stddev = 1.0f) {
  std::normal_distribution<float> dist(0.0f, stddev);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

bool HaveAvx2() { return ActiveIsa() == KernelIsa::kAvx2; }

TransformerWeights RandomWeights(const TransformerConfig& c, uint32_t seed) {
  std::mt19937 rng(seed);
  TransformerWeights w = AllocateWeights(c);
  for (NamedTensor& t : ListTensors(w)) {
    const bool norm_scale = t.name.find("norm.weight") != std::string::npos;
    for (float& v : *t.values) v = norm_scale ? 1.0f + 0.1f * RandomVector(1, rng)[0] : RandomVector(1, rng, 0.3f)[0];
  }
  return w;
}

TEST(Half, EveryFiniteHalfRoundTrips) {
  for (uint32_t h = 0; h < 65536; ++h) {
    if ((h & 0x7C00u) == 0x7C00u) continue;  // inf / NaN
    ASSERT_EQ(FloatToHalf(HalfToFloat(static_cast<uint16_t>(h))), h) << h;
  }
}

TEST(Half, RoundsToNearestEven) {
  EXPECT_EQ(HalfToFloat(FloatToHalf(1.0f + 1.0f / 4096)), 1.0f);             // tie -> even
  EXPECT_EQ(HalfToFloat(FloatToHalf(1.0f + 3.0f / 2048)), 1.0f + 1.0f / 512);  // tie -> even (up)
  EXPECT_EQ(HalfToFloat(FloatToHalf(1.0f + 3.0f / 4096)), 1.0f + 1.0f / 1024);
  EXPECT_EQ(HalfToFloat(FloatToHalf(65520.0f)), INFINITY);
  EXPECT_EQ(HalfToFloat(FloatToHalf(-0.1f)), -0.0999755859375f);
}

TEST(Gguf, RoundTripsMetadataAndTensors) {
  for (GgufType type : {GgufType::kF32, GgufType::kF16}) {
    GgufFile f;
    f.metadata["a.uint"] = uint64_t{7};
    f.metadata["a.int"] = int64_t{-3};
    f.metadata["a.float"] = 0.25;
    f.metadata["a.bool"] = true;
    f.metadata["a.string"] = std::string("moby");
    f.tensors.push_back({"t0", {3, 2}, type, {1, 2, 3, 4, 5, -6.5f}});
    f.tensors.push_back({"t1", {5}, type, {0.5f, 0, -1, 8, 9}});
    const std::vector<uint8_t> bytes = SerializeGguf(f);
    auto back = ParseGguf(bytes);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back->GetUint("a.uint"), 7u);
    EXPECT_EQ(*back->GetFloat("a.float"), 0.25);
    EXPECT_EQ(*back->GetString("a.string"), "moby");
    EXPECT_FALSE(back->GetString("a.uint").ok());
    ASSERT_EQ(back->tensors.size(), 2u);
    EXPECT_EQ(back->tensors[0].dims, (std::vector<uint64_t>{3, 2}));
    EXPECT_EQ(back->tensors[0].values, f.tensors[0].values);
    EXPECT_EQ(back->tensors[1].values, f.tensors[1].values);
  }
}

TEST(Gguf, DamagedFilesFailCleanly) {
  TransformerConfig c;
  c.width = 8;
  c.layers = 1;
  c.heads = 2;
  c.context = 16;
  const std::vector<uint8_t> good = SerializeGguf(ToGguf(RandomWeights(c, 1), {}, GgufType::kF16, "t"));
  ASSERT_TRUE(Transformer::FromBytes(good).ok());
  for (size_t n = 0; n < good.size(); n += 7) {
    EXPECT_FALSE(Transformer::FromBytes(std::span(good).first(n)).ok()) << n;
  }
  std::mt19937 rng(5);
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<uint8_t> bad = good;
    bad[rng() % bad.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    (void)Transformer::FromBytes(bad);  // must not crash; may still parse
  }
}

TEST(DetMath, ExpAndGeluAreAccurate) {
  for (float x = -80.0f; x < 80.0f; x += 0.013f) {
    const double ref = std::exp(static_cast<double>(x));
    // Float range reduction: relative error grows with |x| (up to 1e-7 x |x|).
    ASSERT_NEAR(DetExp(x) / ref, 1.0, 2e-7 + 1e-7 * std::fabs(x)) << x;
  }
  EXPECT_EQ(DetExp(-100.0f), 0.0f);
  EXPECT_EQ(DetExp(0.0f), 1.0f);
  EXPECT_EQ(DetExp(NAN), 0.0f);
  for (float x = -8.0f; x < 8.0f; x += 0.01f) {
    const double u = 0.7978845608028654 * (x + 0.044715 * x * x * x);
    const double ref = 0.5 * x * (1.0 + std::tanh(u));
    ASSERT_NEAR(DetGelu(x), ref, 2e-6) << x;
  }
}

TEST(DetMath, RotaryTablesMatchLibm) {
  std::vector<float> c, s;
  RotaryTables(2048, 32, 10000.0f, &c, &s);
  for (int pos : {0, 1, 7, 500, 2047}) {
    for (int i = 0; i < 16; ++i) {
      const double angle = pos * std::pow(10000.0, -2.0 * i / 32);
      ASSERT_NEAR(c[pos * 16 + i], std::cos(angle), 1e-6);
      ASSERT_NEAR(s[pos * 16 + i], std::sin(angle), 1e-6);
    }
  }
}

TEST(Kernels, SimdMatchesScalarBitForBit) {
  if (!HaveAvx2()) GTEST_SKIP() << "no AVX2 on this CPU (or LMZIP_NO_SIMD set)";
  std::mt19937 rng(42);
  for (int trial = 0; trial < 60; ++trial) {
    const size_t rows = 1 + rng() % 9, in = 1 + rng() % 70, out = 1 + rng() % 50;
    const auto x = RandomVector(rows * in, rng), w = RandomVector(in * out, rng), b = RandomVector(out, rng);
    std::vector<float> y0(rows * out), y1(rows * out);
    const bool bias = trial % 2 == 0;
    MatMul(x.data(), rows, in, w.data(), out, bias ? b.data() : nullptr, y0.data(), KernelIsa::kScalar);
    MatMul(x.data(), rows, in, w.data(), out, bias ? b.data() : nullptr, y1.data(), KernelIsa::kAvx2);
    ASSERT_TRUE(SameBits(y0, y1)) << rows << "x" << in << "x" << out;

    const size_t n = 1 + rng() % 200;
    auto e0 = RandomVector(n, rng, 30.0f);
    auto e1 = e0;
    ExpInPlace(e0.data(), n, KernelIsa::kScalar);
    ExpInPlace(e1.data(), n, KernelIsa::kAvx2);
    ASSERT_TRUE(SameBits(e0, e1));
    auto g0 = RandomVector(n, rng, 4.0f);
    auto g1 = g0;
    GeluInPlace(g0.data(), n, KernelIsa::kScalar);
    GeluInPlace(g1.data(), n, KernelIsa::kAvx2);
    ASSERT_TRUE(SameBits(g0, g1));
    const float s0 = ReduceSum(g0.data(), n, KernelIsa::kScalar);
    const float s1 = ReduceSum(g0.data(), n, KernelIsa::kAvx2);
    ASSERT_EQ(std::memcmp(&s0, &s1, 4), 0);

    const size_t d = 1 + rng() % 80;
    auto l0 = RandomVector(rows * d, rng, 3.0f);
    auto l1 = l0;
    const auto add = RandomVector(rows * d, rng), sc = RandomVector(d, rng), bi = RandomVector(d, rng);
    AddLayerNorm(l0.data(), add.data(), rows, d, sc.data(), bi.data(), 1e-5f, KernelIsa::kScalar);
    AddLayerNorm(l1.data(), add.data(), rows, d, sc.data(), bi.data(), 1e-5f, KernelIsa::kAvx2);
    ASSERT_TRUE(SameBits(l0, l1));

    const size_t width = 2 * (1 + rng() % 20), stride = n + rng() % 9, v_stride = width + rng() % 5;
    const auto q = RandomVector(width, rng), kt = RandomVector(width * stride, rng),
               v = RandomVector(n * v_stride, rng);
    std::vector<float> scratch(stride), a0(width), a1(width);
    Attend(q.data(), kt.data(), stride, v.data(), v_stride, n, width, 0.25f, scratch.data(), a0.data(),
           KernelIsa::kScalar);
    Attend(q.data(), kt.data(), stride, v.data(), v_stride, n, width, 0.25f, scratch.data(), a1.data(),
           KernelIsa::kAvx2);
    ASSERT_TRUE(SameBits(a0, a1)) << "attend n=" << n << " width=" << width;
  }
}

TEST(Kernels, ExpHandlesExtremesAlike) {
  std::vector<float> x = {-1e30f, -87.5f, -87.0f, -86.9f, 0.0f, 88.0f, 88.5f, 1e30f, NAN, -0.0f, INFINITY, -INFINITY};
  std::vector<float> s = x, v = x;
  ExpInPlace(s.data(), s.size(), KernelIsa::kScalar);
  if (HaveAvx2()) {
    ExpInPlace(v.data(), v.size(), KernelIsa::kAvx2);
    EXPECT_TRUE(SameBits(s, v));
  }
  for (float f : s) EXPECT_TRUE(std::isfinite(f));
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.width = 16;
    config_.layers = 2;
    config_.heads = 2;
    config_.context = 64;
    model_ = std::make_unique<Transformer>(RandomWeights(config_, 7));
  }
  // Logits for every position of `bytes`, one Evaluate per byte.
  std::vector<float> StepByStep(const std::vector<uint8_t>& bytes, KernelIsa isa) {
    auto state = model_->NewState();
    std::vector<float> logits(bytes.size() * kVocabSize);
    for (size_t i = 0; i < bytes.size(); ++i) {
      const Transformer::Request req{state.get(), std::span(bytes).subspan(i, 1),
                                     logits.data() + i * kVocabSize, true};
      model_->Evaluate({&req, 1}, isa);
    }
    return logits;
  }
  TransformerConfig config_;
  std::unique_ptr<Transformer> model_;
};

TEST_F(EngineTest, OnePassEqualsStepByStepBitForBit) {
  std::vector<uint8_t> text(60);
  for (size_t i = 0; i < text.size(); ++i) text[i] = static_cast<uint8_t>("call me ishmael. "[i % 17]);
  const std::vector<float> steps = StepByStep(text, ActiveIsa());
  auto state = model_->NewState();
  std::vector<float> one_pass(text.size() * kVocabSize);
  const Transformer::Request req{state.get(), text, one_pass.data(), false};
  model_->Evaluate({&req, 1});
  EXPECT_TRUE(SameBits(steps, one_pass));
  // And in pieces of uneven size, batched with unrelated sequences.
  auto a = model_->NewState(), other = model_->NewState();
  std::vector<float> pieces(text.size() * kVocabSize), junk(40 * kVocabSize);
  const std::vector<uint8_t> noise(40, 0xAB);
  size_t at = 0;
  for (size_t len : {3, 1, 20, 7, 29}) {
    const Transformer::Request reqs[2] = {
        {other.get(), std::span(noise).first(len % 5 + 1), junk.data(), false},
        {a.get(), std::span(text).subspan(at, len), pieces.data() + at * kVocabSize, false}};
    if (other->position() + static_cast<int>(len % 5 + 1) > config_.context) other->Reset();
    model_->Evaluate(reqs);
    at += len;
  }
  EXPECT_TRUE(SameBits(steps, pieces));
}

TEST_F(EngineTest, ScalarAndSimdGiveTheSameLogits) {
  if (!HaveAvx2()) GTEST_SKIP() << "no AVX2";
  std::vector<uint8_t> bytes(50);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 37 + 11);
  EXPECT_TRUE(SameBits(StepByStep(bytes, KernelIsa::kScalar), StepByStep(bytes, KernelIsa::kAvx2)));
}

TEST(Cdf, IsStrictlyIncreasingAndTotals65536) {
  std::mt19937 rng(3);
  for (float spread : {0.0f, 1.0f, 10.0f, 100.0f, 1e6f}) {
    const auto logits = RandomVector(kVocabSize, rng, spread);
    uint32_t cdf[257];
    LogitsToCdf(logits.data(), cdf);
    EXPECT_EQ(cdf[0], 0u);
    EXPECT_EQ(cdf[256], 65536u);
    for (int b = 0; b < 256; ++b) ASSERT_LT(cdf[b], cdf[b + 1]);
    if (HaveAvx2()) {
      uint32_t scalar[257];
      LogitsToCdf(logits.data(), scalar, KernelIsa::kScalar);
      EXPECT_EQ(std::memcmp(cdf, scalar, sizeof cdf), 0);
    }
  }
}

TEST(Config, ParameterCountsMatchThePaper) {
  TransformerConfig c;
  c.width = 64;
  EXPECT_EQ(c.parameter_count(), 231936u);
  c.width = 128;
  EXPECT_EQ(c.parameter_count(), 856832u);
  c.width = 256;
  c.heads = 8;
  EXPECT_EQ(c.parameter_count(), 3286272u);
}

}  // namespace
}  // namespace lmzip::nn
