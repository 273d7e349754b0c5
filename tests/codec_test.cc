#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "codec/baseline_codecs.h"
#include "codec/registry.h"

namespace lmzip {
namespace {

std::vector<uint8_t> Text(size_t n) {
  const std::string line = "It was the best of times, it was the worst of times; ";
  std::vector<uint8_t> v;
  while (v.size() < n) v.push_back(static_cast<uint8_t>(line[v.size() % line.size()]));
  return v;
}

std::vector<uint8_t> Noise(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

// A smooth 8-bit "signal", as audio and image rows are.
std::vector<uint8_t> Wave(size_t n) {
  std::vector<uint8_t> v(n);
  int x = 128, dx = 1;
  for (auto& b : v) {
    x += dx;
    if (x > 200 || x < 60) dx = -dx;
    b = static_cast<uint8_t>(x);
  }
  return v;
}

class CodecRoundTrip : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<Codec> Make() {
    auto codec = CreateCodec(GetParam());
    EXPECT_TRUE(codec.ok()) << codec.status().ToString();
    return std::move(codec).value();
  }
  void ExpectRoundTrip(const Codec& codec, const std::vector<uint8_t>& data) {
    auto packed = codec.Compress(data);
    ASSERT_TRUE(packed.ok()) << packed.status().ToString();
    auto unpacked = codec.Decompress(*packed, data.size());
    ASSERT_TRUE(unpacked.ok()) << unpacked.status().ToString();
    EXPECT_EQ(*unpacked, data);
  }
};

TEST_P(CodecRoundTrip, NameMatches) { EXPECT_EQ(Make()->name(), GetParam()); }

TEST_P(CodecRoundTrip, Empty) { ExpectRoundTrip(*Make(), {}); }

TEST_P(CodecRoundTrip, OneByte) { ExpectRoundTrip(*Make(), {0}); }

TEST_P(CodecRoundTrip, ChunkOfText) {
  auto codec = Make();
  const auto data = Text(2048);
  ExpectRoundTrip(*codec, data);
  auto packed = codec->Compress(data);
  ASSERT_TRUE(packed.ok());
  EXPECT_LT(packed->size(), data.size()) << "repetitive text must shrink";
}

TEST_P(CodecRoundTrip, NoiseOfOddLength) { ExpectRoundTrip(*Make(), Noise(5003, 7)); }

TEST_P(CodecRoundTrip, LargerSignal) { ExpectRoundTrip(*Make(), Wave(70001)); }

TEST_P(CodecRoundTrip, GarbageIsAnErrorNotACrash) {
  auto codec = Make();
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    const auto garbage = Noise(1 + seed * 37, seed);
    auto out = codec->Decompress(garbage, 2048);
    if (out.ok()) {
      EXPECT_EQ(out->size(), 2048u);  // a headerless model stream decodes anything
    }
  }
}

TEST_P(CodecRoundTrip, DamagedStreamIsAnError) {
  auto codec = Make();
  const auto data = Wave(4096);
  auto packed = codec->Compress(data);
  ASSERT_TRUE(packed.ok());
  // Truncation, every single-byte flip in a sample of positions, and a wrong size.
  auto truncated = codec->Decompress(std::span(*packed).first(packed->size() / 2), data.size());
  if (CountsHeaderOnce(GetParam())) {
    EXPECT_FALSE(truncated.ok());
    EXPECT_FALSE(codec->Decompress(*packed, data.size() + 1).ok());
    EXPECT_FALSE(codec->Decompress(*packed, data.size() - 1).ok());
  }
  for (size_t i = 0; i < packed->size(); i += 1 + packed->size() / 23) {
    std::vector<uint8_t> bad = *packed;
    bad[i] ^= 0x5A;
    auto out = codec->Decompress(bad, data.size());
    if (out.ok()) {
      EXPECT_EQ(out->size(), data.size());
    }
  }
  if (CountsHeaderOnce(GetParam())) {
    EXPECT_FALSE(codec->Decompress({}, data.size()).ok());
  }
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, CodecRoundTrip,
                         ::testing::Values("gzip", "lzma2", "lzma2-9e", "zstd", "brotli", "bzip2",
                                           "png", "flac", "lmzip-order0-1", "lmzip-cm-1"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) if (c == '-') c = '_';
                           return n;
                         });

TEST(CodecRegistry, UnknownNamesAreInvalidArgument) {
  for (const char* name : {"", "gzip9", "lmzip-", "lmzip-cm", "lmzip-cm-x", "lmzip-cm-10",
                           "lmzip-nosuchmodel-3"}) {
    auto codec = CreateCodec(name);
    ASSERT_FALSE(codec.ok()) << name;
    EXPECT_EQ(codec.status().code(), StatusCode::kInvalidArgument) << name;
  }
}

TEST(CodecRegistry, EveryListedNameIsCreatable) {
  for (const std::string& name : CodecNames()) EXPECT_TRUE(CreateCodec(name).ok()) << name;
  for (const std::string& name : DefaultBenchCodecNames()) {
    EXPECT_TRUE(CreateCodec(name).ok()) << name;
  }
}

TEST(CodecRegistry, HeaderOnceOnlyForClassicalCodecs) {
  EXPECT_TRUE(CountsHeaderOnce("gzip"));
  EXPECT_TRUE(CountsHeaderOnce("flac"));
  EXPECT_FALSE(CountsHeaderOnce("lmzip-cm-6"));
}

TEST(PngLayout, PaperChunkIs32RowsBy64Columns) {
  const PngLayout l = ChoosePngLayout(2048);
  EXPECT_EQ(l.rows, 32u);
  EXPECT_EQ(l.cols, 64u);
  EXPECT_FALSE(l.padded);
}

TEST(PngLayout, NearestFactorsOrPaddedRows) {
  EXPECT_EQ(ChoosePngLayout(1 << 20).rows, 1024u);
  const PngLayout prime = ChoosePngLayout(65537);  // prime: 1 x 65537 would be absurd
  EXPECT_TRUE(prime.padded);
  EXPECT_EQ(prime.cols, 257u);
  EXPECT_GE(uint64_t{prime.rows} * prime.cols, 65537u);
  EXPECT_TRUE(ChoosePngLayout(0).padded);
  const PngLayout small_prime = ChoosePngLayout(37);
  EXPECT_FALSE(small_prime.padded);
  EXPECT_EQ(small_prime.rows * small_prime.cols, 37u);
}

TEST(PngCodec, PaddedImageRoundTrips) {
  auto codec = NewPngCodec();
  const auto data = Noise(65537, 3);
  auto packed = codec->Compress(data);
  ASSERT_TRUE(packed.ok());
  auto out = codec->Decompress(*packed, data.size());
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, data);
}

TEST(FlacCodec, SignalCompressesBetterThanNoise) {
  auto codec = NewFlacCodec(16000);
  auto wave = codec->Compress(Wave(20000));
  auto noise = codec->Compress(Noise(20000, 1));
  ASSERT_TRUE(wave.ok() && noise.ok());
  EXPECT_LT(wave->size() * 4, noise->size());
}

}  // namespace
}  // namespace lmzip
