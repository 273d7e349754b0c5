#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <string>

#include "data/files.h"
#include "generate/generate.h"
#include "generate/media.h"
#include "generate/next_byte.h"
#include "generate/sampler.h"

namespace lmzip::generate {
namespace {

std::vector<uint8_t> Bytes(const std::string& s) { return {s.begin(), s.end()}; }

std::unique_ptr<NextByteModel> Make(const std::string& ref, size_t window = 2048) {
  ModelOptions options;
  options.expected_bytes = 4096;
  options.codec_window = window;
  auto model = CreateNextByteModel(ref, options);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return model.ok() ? std::move(model).value() : nullptr;
}

std::vector<uint8_t> Draw(const std::string& ref, const SampleOptions& options, size_t n) {
  auto model = Make(ref);
  Sampler sampler(options);
  const auto context = Bytes("It was the best of times, it was the worst of times, it was the ");
  auto out = ContinueBytes(*model, context, n, sampler);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? *out : std::vector<uint8_t>{};
}

TEST(GenerateTest, SameSeedSameOutputForEveryKindOfModel) {
  for (const std::string ref : {"order0", "cm-1", "gzip"}) {
    SampleOptions options;
    options.seed = 7;
    // Flat enough that two seeds part ways within 24 bytes; cm is drawn bit by bit at
    // temperature 1 (its tempered draw reads 127 clones per byte, tested below).
    options.temperature = ref == "cm-1" ? 1 : 2;
    const auto a = Draw(ref, options, 24);
    const auto b = Draw(ref, options, 24);
    EXPECT_EQ(a.size(), 24u) << ref;
    EXPECT_EQ(a, b) << ref;
    options.seed = 8;
    if (ref != "cm-1") {
      EXPECT_NE(a, Draw(ref, options, 24)) << ref;
    }
  }
}

TEST(GenerateTest, BitwiseCloneDistributionIsTheProductOfBitProbabilities) {
  auto model = Make("order0");
  ASSERT_TRUE(model->has_distribution());
  ASSERT_TRUE(model->Observe(Bytes("aaaaaaaaaaaaaaaaaaaabbbb")).ok());
  auto p = model->Distribution();
  ASSERT_TRUE(p.ok());
  EXPECT_NEAR(std::accumulate(p->begin(), p->end(), 0.0), 1.0, 1e-9);
  EXPECT_EQ(std::max_element(p->begin(), p->end()) - p->begin(), 'a');
  // Reading the distribution does not disturb the model: a second read agrees.
  auto again = model->Distribution();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*p, *again);
  // P('b') by walking the model itself bit by bit.
  double direct = 1;
  for (int i = 7; i >= 0; --i) {
    const int bit = ('b' >> i) & 1;
    auto p1 = model->BitProbability();
    ASSERT_TRUE(p1.ok());
    direct *= bit ? *p1 : 1 - *p1;
    ASSERT_TRUE(model->ObserveBit(bit).ok());
  }
  EXPECT_NEAR((*p)['b'], direct, 1e-12);
}

TEST(GenerateTest, CodecAsModelSumsToOneAndContinuesARepeatedPattern) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "the quick brown fox jumps over the lazy dog. ";
  text += "the quick brown fox jumps over the lazy d";
  for (const std::string ref : {"gzip", "zstd", "lzma2"}) {
    auto model = Make(ref);
    ASSERT_TRUE(model->Observe(Bytes(text)).ok());
    auto p = model->Distribution();
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    EXPECT_NEAR(std::accumulate(p->begin(), p->end(), 0.0), 1.0, 1e-9) << ref;
    const double best = *std::max_element(p->begin(), p->end());
    EXPECT_EQ((*p)['o'], best) << ref;
    EXPECT_GT((*p)['o'], (*p)['#']) << ref;
  }
}

TEST(GenerateTest, TemperatureZeroAndTopOneAreGreedy) {
  SampleOptions greedy;
  greedy.temperature = 0;
  SampleOptions top1;
  top1.top_k = 1;
  top1.seed = 99;
  EXPECT_EQ(Draw("order0", greedy, 16), Draw("order0", top1, 16));
  const ByteDistribution flat = [] {
    ByteDistribution p;
    p.fill(1.0 / 256);
    return p;
  }();
  const ByteDistribution shaped = Sampler::Shape(flat, 0.5, 10);
  EXPECT_EQ(std::count_if(shaped.begin(), shaped.end(), [](double v) { return v > 0; }), 10);
  EXPECT_NEAR(std::accumulate(shaped.begin(), shaped.end(), 0.0), 1.0, 1e-12);
}

// A bitwise model that cannot be cloned.
class Uncopyable final : public Predictor {
 public:
  Granularity granularity() const override { return Granularity::kBit; }
  uint32_t PredictBit() override { return 40000; }
};

TEST(GenerateTest, TopKOnAModelWithoutDistributionIsRefused) {
  auto model = std::make_unique<PredictorNextByte>("uncopyable", std::make_unique<Uncopyable>());
  ASSERT_FALSE(model->has_distribution());
  SampleOptions options;
  options.top_k = 5;
  Sampler sampler(options);
  EXPECT_EQ(sampler.Next(*model).status().code(), StatusCode::kNotSupported);
  // Without top-k it is drawn bit by bit.
  Sampler plain(SampleOptions{});
  EXPECT_TRUE(plain.Next(*model).ok());
}

TEST(GenerateTest, TemperedCmDrawIsDeterministic) {
  SampleOptions options;
  options.temperature = 0.5;
  options.top_k = 20;
  EXPECT_EQ(Draw("cm-1", options, 3), Draw("cm-1", options, 3));
}

TEST(GenerateTest, UnknownModelIsAnError) {
  EXPECT_FALSE(CreateNextByteModel("no-such-model").ok());
  EXPECT_FALSE(CreateNextByteModel("cm-0").ok());
  EXPECT_FALSE(CreateNextByteModel("").ok());
}

TEST(GenerateTest, ImageCompletionWritesAPngOfTheRightSize) {
  GrayImage image;
  image.width = 16;
  image.height = 8;
  for (uint32_t r = 0; r < image.height; ++r) {
    for (uint32_t c = 0; c < image.width; ++c) image.pixels.push_back(static_cast<uint8_t>(16 * c + r));
  }
  auto model = Make("order0");
  SampleOptions options;
  Sampler sampler(options);
  auto done = CompleteRows(*model, image, sampler);
  ASSERT_TRUE(done.ok());
  for (uint32_t r = 0; r < image.height; ++r) {
    EXPECT_TRUE(std::equal(image.pixels.begin() + r * 16, image.pixels.begin() + r * 16 + 8,
                           done->pixels.begin() + r * 16));
  }
  auto pair = SideBySide(image, *done, 4);
  ASSERT_TRUE(pair.ok());
  const std::string path = ::testing::TempDir() + "/lmzip_generate_test.png";
  ASSERT_TRUE(WriteGrayPng(path, *pair).ok());
  auto back = LoadGrayImage(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->width, 36u);
  EXPECT_EQ(back->height, 8u);
  EXPECT_EQ(back->pixels, pair->pixels);
  std::filesystem::remove(path);
}

TEST(GenerateTest, AudioContinuationRoundTripsThroughWav) {
  std::vector<uint8_t> samples;
  for (int i = 0; i < 300; ++i) samples.push_back(static_cast<uint8_t>(128 + (i % 20) * 3));
  auto model = Make("order0");
  SampleOptions options;
  Sampler sampler(options);
  auto drawn = ContinueBytes(*model, samples, 50, sampler);
  ASSERT_TRUE(drawn.ok());
  samples.insert(samples.end(), drawn->begin(), drawn->end());
  const std::string path = ::testing::TempDir() + "/lmzip_generate_test.wav";
  ASSERT_TRUE(WriteWav8(path, samples, 8000).ok());
  auto clip = LoadAudioClip(path);
  ASSERT_TRUE(clip.ok()) << clip.status().ToString();
  EXPECT_EQ(clip->sample_rate, 8000u);
  EXPECT_EQ(clip->samples, samples);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace lmzip::generate
