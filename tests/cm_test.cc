// The context-mixing model: lossless at every level on every kind of input,
// deterministic, and as strong as it claims on English text.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "codec/model_codec.h"
#include "coder/arithmetic_coder.h"
#include "codec/registry.h"
#include "codec/word_transform.h"
#include "lmzip/container.h"
#include "lmzip/io.h"
#include "model/cm.h"
#include "model/cm_components.h"
#include "model/cm_match.h"
#include "model/cm_signal.h"
#include "model/cm_state.h"
#include "test_util.h"

namespace lmzip {
namespace {

std::vector<uint8_t> Encode(int level, const std::vector<uint8_t>& data,
                            const std::string& name = "cm") {
  ModelSpec spec;
  spec.name = name;
  spec.level = level;
  std::vector<uint8_t> code;
  EXPECT_TRUE(EncodeWithModel(spec, data, &code).ok());
  return code;
}

std::vector<uint8_t> Decode(int level, const std::vector<uint8_t>& code, size_t size) {
  ModelSpec spec;
  spec.level = level;
  std::vector<uint8_t> out(size);
  EXPECT_TRUE(DecodeWithModel(spec, code, size, out.data()).ok());
  return out;
}

std::vector<uint8_t> MobyExcerpt() {
  return testing::ReadFileBytes(std::string(LMZIP_TEST_DATA_DIR) + "/moby_chapter1_32k.txt");
}

// Little-endian records of mixed fields: what a binary file looks like.
std::vector<uint8_t> BinaryRecords(size_t n) {
  std::vector<uint8_t> v;
  uint32_t x = 12345;
  for (uint32_t i = 0; v.size() < n; ++i) {
    x = x * 1103515245u + 12345u;
    const uint32_t fields[] = {i, i * 40, x >> 24, 0xdeadbeef};
    for (uint32_t f : fields) {
      for (int k = 0; k < 4; ++k) v.push_back(static_cast<uint8_t>(f >> (8 * k)));
    }
  }
  v.resize(n);
  return v;
}

struct Input {
  std::string name;
  std::vector<uint8_t> bytes;
};

std::vector<Input> Inputs() {
  const std::vector<uint8_t> moby = MobyExcerpt();
  return {
      {"empty", {}},
      {"one byte", {0x5a}},
      {"zeros", std::vector<uint8_t>(5000, 0)},
      {"ones", std::vector<uint8_t>(3000, 0xff)},
      {"random", testing::RandomBytes(4000, 1)},
      {"text", std::vector<uint8_t>(moby.begin(), moby.begin() + std::min<size_t>(6000, moby.size()))},
      {"binary", BinaryRecords(4000)},
  };
}

TEST(ContextMixingTest, MixerKernelsAgreeWithTheScalarReference) {
  if (!cm::HaveAvx2()) GTEST_SKIP() << "no AVX2 on this CPU";
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    const int n = 16 * (1 + round % 5);
    std::vector<int16_t> x(n), w(n);
    for (int i = 0; i < n; ++i) {
      // Extremes included: |x| up to 2047, any weight.
      x[i] = static_cast<int16_t>(static_cast<int>(rng() % 4095) - 2047);
      w[i] = static_cast<int16_t>(rng());
    }
    ASSERT_EQ(cm::DotProduct16Avx2(x.data(), w.data(), n), cm::DotProduct16Scalar(x.data(), w.data(), n));
    const int err = static_cast<int>(rng() % 65535) - 32767;
    std::vector<int16_t> w_avx = w, w_scalar = w;
    cm::TrainWeights16Avx2(x.data(), w_avx.data(), n, err);
    cm::TrainWeights16Scalar(x.data(), w_scalar.data(), n, err);
    ASSERT_EQ(w_avx, w_scalar) << "err " << err;
  }
}

TEST(ContextMixingTest, RowDecayBoostsRowsInTheirFirstUses) {
  // Two rows over the same inputs; row 0 is trained often first. A mixer-wide count
  // alone gives row 1 the same small rate; with row decay its first error is larger.
  const std::vector<int16_t> x(16, 512);
  const auto first_error_of_row1 = [&x](bool decay) {
    cm::Mixer16 m(16, 2, cm::Mixer16::kOne / 16);
    if (decay) m.EnableRowDecay(512, 192);
    for (int i = 0; i < 20000; ++i) {
      m.Mix(x.data(), 0);
      m.Update(x.data(), i & 1, 2);  // Update trains without row decay
      m.Error(i & 1, 2, true);       // counts row 0's uses
    }
    m.Mix(x.data(), 1);
    return m.Error(1, 2, true);
  };
  const int plain = first_error_of_row1(false);
  const int decayed = first_error_of_row1(true);
  EXPECT_GT(plain, 0);
  EXPECT_GT(decayed, 4 * plain);
  // Error without by_row ignores the decay.
  cm::Mixer16 m(16, 2, 0);
  m.EnableRowDecay(512, 192);
  m.Mix(x.data(), 1);
  cm::Mixer16 reference(16, 2, 0);
  reference.Mix(x.data(), 1);
  EXPECT_EQ(m.Error(1, 2), reference.Error(1, 2));
}

TEST(ContextMixingTest, ApmLearnsAtTheRateItIsGiven) {
  // From the same start, a rate of 2^-5 moves further toward the bit than 2^-7.
  cm::Apm fast(4, 7), slow(4, 7);
  const int before = fast.P(0, 1);
  ASSERT_EQ(before, slow.P(0, 1));
  fast.Update(1, 5);
  slow.Update(1);
  const int p_fast = fast.P(0, 1), p_slow = slow.P(0, 1);
  EXPECT_GT(p_slow, before);
  EXPECT_GT(p_fast - before, 3 * (p_slow - before));
}

TEST(ContextMixingTest, DirectMapsLearnEachContextApart) {
  // Two maps of 16 and 8 lines.
  const int line_bits[] = {4, 3};
  cm::DirectMaps maps(line_bits);
  ASSERT_TRUE(maps.ok());
  int16_t x[2];
  // Fresh entries predict 1/2 (stretched: 0).
  maps.Select(0, 5);
  maps.Select(1, 5);
  maps.Predict(1, x);
  EXPECT_EQ(x[0], 0);
  EXPECT_EQ(x[1], 0);
  // Map 0's context 5 sees ones at node 1: its probability rises, and at first
  // fast (a count-based rate); map 1 saw the same bits and agrees.
  for (int i = 0; i < 20; ++i) {
    maps.Predict(1, x);
    maps.Update(1, 1023);
  }
  maps.Predict(1, x);
  EXPECT_GT(x[0], 1000);
  EXPECT_EQ(x[0], x[1]);
  // Another node, another context of the same map, and the same hash in the other
  // map (which did not learn it) are untouched.
  maps.Predict(2, x);
  EXPECT_EQ(x[0], 0);
  maps.Select(0, 6);
  maps.Select(1, 6);
  maps.Predict(1, x);
  EXPECT_EQ(x[0], 0);
  // The state saves and restores.
  std::vector<uint8_t> state;
  cm::StateWriter w(&state);
  maps.Serialize(w);
  cm::DirectMaps copy(line_bits);
  cm::StateReader r(state);
  copy.Serialize(r);
  ASSERT_TRUE(r.ok());
  copy.Select(0, 5);
  copy.Predict(1, x);
  EXPECT_GT(x[0], 1000);
}

TEST(ContextMixingTest, DirectMapsOfThreeMapsPredictAsTheGeneralLoop) {
  // Levels 6-9 use the loops unrolled for three maps: the same predictions and
  // the same learning as the loops over any number of maps.
  const int line_bits[] = {4, 6, 5};
  cm::DirectMaps general(line_bits), unrolled(line_bits);
  ASSERT_TRUE(general.ok() && unrolled.ok());
  ASSERT_EQ(unrolled.maps(), 3);
  std::mt19937 rng(15);
  for (int step = 0; step < 5000; ++step) {
    if (step % 4 == 0) {
      for (int j = 0; j < 3; ++j) {
        const uint64_t h = rng() % 97;
        general.Select(j, h);
        unrolled.Select(j, h);
      }
    }
    const int node = 1 + static_cast<int>(rng() % 15);
    int16_t x_general[3], x_unrolled[3];
    general.Predict(node, x_general);
    unrolled.Predict<3>(node, x_unrolled);
    ASSERT_EQ(std::vector<int16_t>(x_general, x_general + 3), std::vector<int16_t>(x_unrolled, x_unrolled + 3));
    // Mostly ones, so that the probabilities move away from 1/2.
    const int bit = rng() % 4 != 0;
    general.Update(bit, 1023);
    unrolled.Update<3>(bit, 1023);
  }
  int16_t x[3];
  unrolled.Select(0, 3);
  unrolled.Predict<3>(1, x);
  EXPECT_GT(x[0], 0);
}

TEST(ContextMixingTest, MatchModelRecoversAfterAFailedLongMatch) {
  // A phrase, other text, then the phrase again with one byte changed: after the
  // change, the recovering model predicts the rest of the phrase; the other has no
  // match until min_length bytes repeat again.
  const std::string phrase = "the whale swam north through the cold grey sea";
  std::string text = phrase + " and nothing else happened for many long days; ";
  const size_t second = text.size();
  std::string changed = phrase;
  changed[20] = 'X';  // inside "through"
  text += changed;
  for (const int recover : {0, 8}) {
    cm::MatchModel match(16, 12, 6, false, 0, recover);
    for (size_t i = 0; i <= second + 20; ++i) match.UpdateByte(static_cast<uint8_t>(text[i]));
    if (recover == 0) {
      EXPECT_EQ(match.length(), 0u);
    } else {
      EXPECT_EQ(match.length(), 1u);
      EXPECT_EQ(match.PredictedByte(), phrase[21]);
    }
  }
}

TEST(ContextMixingTest, ManyRowMixerKernelsAgreeWithTheScalarReference) {
  if (!cm::HaveAvx2()) GTEST_SKIP() << "no AVX2 on this CPU";
  std::mt19937 rng(9);
  // Every pairing of 16-64 inputs and 1-5 sets, 48 and 5 (levels 6-9 on text, an
  // unrolled kernel) among them.
  for (int round = 0; round < 100; ++round) {
    const int n = 16 * (1 + round % 4);
    const int sets = 1 + round % 5;
    std::vector<int16_t> x(n);
    std::vector<std::vector<int16_t>> w_avx(sets, std::vector<int16_t>(n));
    std::vector<int> err(sets);
    for (int i = 0; i < n; ++i) x[i] = static_cast<int16_t>(static_cast<int>(rng() % 4095) - 2047);
    for (int s = 0; s < sets; ++s) {
      for (int16_t& w : w_avx[s]) w = static_cast<int16_t>(rng());
      err[s] = static_cast<int>(rng() % 65535) - 32767;
    }
    std::vector<std::vector<int16_t>> w_scalar = w_avx;
    std::vector<int16_t*> rows_avx(sets), rows_scalar(sets);
    for (int s = 0; s < sets; ++s) {
      rows_avx[s] = w_avx[s].data();
      rows_scalar[s] = w_scalar[s].data();
    }
    std::vector<int32_t> dots_avx(sets), dots_scalar(sets);
    cm::DotProducts16Avx2(x.data(), rows_avx.data(), sets, n, dots_avx.data());
    cm::DotProducts16Scalar(x.data(), rows_scalar.data(), sets, n, dots_scalar.data());
    ASSERT_EQ(dots_avx, dots_scalar);
    cm::TrainWeightsMany16Avx2(x.data(), rows_avx.data(), sets, n, err.data());
    cm::TrainWeightsMany16Scalar(x.data(), rows_scalar.data(), sets, n, err.data());
    ASSERT_EQ(w_avx, w_scalar);
  }
}

TEST(ContextMixingTest, InlineMixerKernelsAgreeWithTheScalarReference) {
  std::mt19937 rng(8);
  for (int round = 0; round < 500; ++round) {
    std::vector<int16_t> x(16), w(16);
    for (int i = 0; i < 16; ++i) {
      x[i] = static_cast<int16_t>(static_cast<int>(rng() % 4095) - 2047);
      // Weights near the limits too, where the update saturates.
      w[i] = static_cast<int16_t>(round % 4 == 0 ? (rng() & 1 ? 32767 - rng() % 4 : -32768 + rng() % 4) : rng());
    }
    ASSERT_EQ(cm::DotProduct16x16(x.data(), w.data()), cm::DotProduct16Scalar(x.data(), w.data(), 16));
    ASSERT_EQ(cm::DotProduct16x8(x.data(), w.data()), cm::DotProduct16Scalar(x.data(), w.data(), 8));
    const int err = static_cast<int>(rng() % 65535) - 32767;
    std::vector<int16_t> w_sse = w, w_scalar = w;
    cm::TrainWeights16x16(x.data(), w_sse.data(), err);
    cm::TrainWeights16Scalar(x.data(), w_scalar.data(), 16, err);
    ASSERT_EQ(w_sse, w_scalar) << "err " << err;
    w_sse = w_scalar;
    cm::TrainWeights16x8(x.data(), w_sse.data(), err);
    cm::TrainWeights16Scalar(x.data(), w_scalar.data(), 8, err);
    ASSERT_EQ(w_sse, w_scalar) << "err " << err;
  }
}

// Predictor::Code, which the model specialises for some levels and inputs, must code
// exactly as PredictBit and UpdateBit do: other models (cm+tf, generation) drive the
// model bit by bit.
TEST(ContextMixingTest, CodingByteByByteEqualsCodingBitByBit) {
  std::vector<uint8_t> data = MobyExcerpt();
  data.resize(std::min<size_t>(data.size(), 12000));
  const std::vector<uint8_t> binary = BinaryRecords(3000);
  data.insert(data.end(), binary.begin(), binary.end());  // text, then not text
  data.insert(data.end(), data.begin(), data.begin() + 2000);
  for (int level : {1, 2, 6}) {
    std::unique_ptr<Predictor> by_byte = NewContextMixingModel(level);
    std::unique_ptr<Predictor> by_bit = NewContextMixingModel(level);
    ASSERT_TRUE(by_byte && by_bit);
    std::vector<uint8_t> code_by_byte, code_by_bit;
    ArithmeticCoder coder_by_byte(&code_by_byte), coder_by_bit(&code_by_bit);
    for (uint8_t byte : data) {
      CodeByte(*by_byte, coder_by_byte, byte);
      for (int i = 7; i >= 0; --i) {
        const int bit = (byte >> i) & 1;
        coder_by_bit.CodeBit(bit, by_bit->PredictBit());
        by_bit->UpdateBit(bit);
      }
    }
    coder_by_byte.Flush();
    coder_by_bit.Flush();
    EXPECT_EQ(code_by_byte, code_by_bit) << "level " << level;
  }
}

TEST(ContextMixingTest, RoundTripsEveryInputAtEveryLevel) {
  const std::vector<Input> inputs = Inputs();
  for (int level = 1; level <= 9; ++level) {
    for (const Input& in : inputs) {
      const std::vector<uint8_t> code = Encode(level, in.bytes);
      EXPECT_EQ(Decode(level, code, in.bytes.size()), in.bytes)
          << "level " << level << ", " << in.name;
    }
  }
}

// A word-transformed chunk (known_text: its first two bytes name the flags before
// Capitalised and ALL-CAPS words, which the word contexts read as the words' case)
// round-trips at the levels that use the case.
TEST(ContextMixingTest, TransformedTextRoundTrips) {
  const std::vector<uint8_t> moby = MobyExcerpt();
  std::vector<uint8_t> raw(moby.begin(), moby.begin() + 12000);
  // Every fifth word in capitals, so that both flags occur.
  int words = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    const bool starts = std::isalpha(raw[i]) && (i == 0 || !std::isalpha(raw[i - 1]));
    words += starts;
    if (words % 5 == 0 && std::islower(raw[i])) raw[i] = static_cast<uint8_t>(std::toupper(raw[i]));
  }
  words::ForwardOptions options;
  options.min_count = 2;
  options.require_gain = false;
  std::vector<uint8_t> transformed;
  ASSERT_TRUE(words::Forward(raw, &transformed, options));
  ASSERT_GT(std::count(transformed.begin(), transformed.end(), transformed[0]), 100);
  ASSERT_GT(std::count(transformed.begin(), transformed.end(), transformed[1]), 100);
  for (const int level : {6, 9}) {
    ModelSpec spec;
    spec.level = level;
    spec.known_text = true;
    spec.input_size = transformed.size();
    std::vector<uint8_t> code;
    ASSERT_TRUE(EncodeWithModel(spec, transformed, &code).ok());
    std::vector<uint8_t> back(transformed.size());
    ASSERT_TRUE(DecodeWithModel(spec, code, back.size(), back.data()).ok());
    EXPECT_EQ(back, transformed) << "level " << level;
  }
}

TEST(ContextMixingTest, FreshModelsCodeIdentically) {
  const std::vector<uint8_t> data = MobyExcerpt();
  const std::vector<uint8_t> part(data.begin(), data.begin() + 8000);
  for (int level : {1, 5, 9}) {
    EXPECT_EQ(Encode(level, part), Encode(level, part)) << "level " << level;
  }
}

TEST(ContextMixingTest, PredictionsStayInRange) {
  // Long runs push probabilities to their limits; they must stay codable.
  auto model = NewContextMixingModel(9);
  ASSERT_NE(model, nullptr);
  for (int i = 0; i < 20000 * 8; ++i) {
    const uint32_t p = model->PredictBit();
    ASSERT_GE(p, 1u);
    ASSERT_LE(p, 65535u);
    model->UpdateBit(i < 10000 * 8 ? 0 : 1);
  }
}

TEST(ContextMixingTest, CompressesEnglishText) {
  const std::vector<uint8_t> text = MobyExcerpt();
  ASSERT_EQ(text.size(), 32768u);
  // For scale: xz -9e gives 13,776 bytes (3.36 bits per byte).
  const size_t order0 = Encode(1, text, "order0").size();
  const size_t fast = Encode(1, text).size();
  const size_t strong = Encode(9, text).size();
  EXPECT_LT(fast, 11900u);  // level 1 trades ~1% for speed
  EXPECT_LT(strong, 11600u);
  EXPECT_LT(fast * 3, order0 * 2);
}

TEST(ContextMixingTest, LongRepeatsCostAlmostNothing) {
  const std::vector<uint8_t> text = MobyExcerpt();
  std::vector<uint8_t> twice(text.begin(), text.begin() + 10000);
  twice.insert(twice.end(), text.begin(), text.begin() + 10000);
  for (int level : {1, 9}) {
    const size_t once = Encode(level, std::vector<uint8_t>(text.begin(), text.begin() + 10000)).size();
    EXPECT_LT(Encode(level, twice).size(), once + 150) << "level " << level;
  }
}

TEST(ContextMixingTest, ZerosAndRandomCostWhatTheyShould) {
  EXPECT_LT(Encode(5, std::vector<uint8_t>(100000, 0)).size(), 60u);
  const std::vector<uint8_t> random = testing::RandomBytes(20000, 7);
  EXPECT_LT(Encode(5, random).size(), random.size() + random.size() / 100);
}

// The O(order) update of the series least squares must learn what the full
// covariance update learns: the same predictions (to rounding) on a resonant series.
TEST(ContextMixingTest, SeriesLeastSquaresEqualsTheFullCovarianceUpdate) {
  constexpr int kOrder = 8;
  cm::OlsPredictor<kOrder> full(0.99, 0.1, 4);
  cm::SeriesOlsPredictor<kOrder> series(0.99, 0.1, 4);
  std::mt19937 rng(3);
  std::vector<double> values(kOrder, 0.0);  // most recent first
  double a = 0, b = 0;
  int compared = 0;
  for (int t = 0; t < 600; ++t) {
    const double p_full = full.Predict(values.data());
    const double p_series = series.Predict(values.data());
    if (t >= kOrder) {
      ASSERT_NEAR(p_full, p_series, 1e-6 * (1 + std::abs(p_full))) << "sample " << t;
      ++compared;
    }
    // A damped resonance plus noise, rounded to integers as samples are.
    const double next = std::round(1.6 * a - 0.8 * b + static_cast<int>(rng() % 21) - 10);
    b = a;
    a = next;
    full.Update(next);
    series.Update(next, true);
    values.insert(values.begin(), next);
    values.pop_back();
  }
  EXPECT_GT(compared, 500);
}

// A window's least squares finds an exact linear rule of the neighbours (here
// value = above + left - above-left on a random first row and column) from the
// pixels around each one, leaves out skipped positions and what lies beyond the
// row's ends, reaches as far left as asked, and refuses to fit from fewer than two
// pixels.
TEST(ContextMixingTest, PixelWindowFitsTheNeighboursOfNearbyPixels) {
  constexpr int kStride = 32, kRows = 12;
  std::mt19937 rng(5);
  std::vector<int> image(kStride * kRows);
  for (int r = 0; r < kRows; ++r) {
    for (int c = 0; c < kStride; ++c) {
      const int i = r * kStride + c;
      image[i] = r == 0 || c == 0 ? 100 + static_cast<int>(rng() % 40)
                                  : image[i - kStride] + image[i - 1] - image[i - kStride - 1];
    }
  }
  const auto at = [&](int r, int c) {
    return image[std::clamp(r, 0, kRows - 1) * kStride + std::clamp(c, 0, kStride - 1)];
  };
  cm::PixelWindow<4> window;
  std::array<double, 4> w{};
  EXPECT_FALSE(window.Fit(0, 0, kStride, 2, 3, 3, 0.01, w));
  int exact = 0;
  for (int r = 0; r < kRows; ++r) {
    for (int c = 0; c < kStride; ++c) {
      const uint64_t pos = static_cast<uint64_t>(r * kStride + c);
      const int left = at(r, c - 1);
      // N, NW, NE, WW relative to the left pixel; the target too.
      const std::array<int16_t, 4> x = {static_cast<int16_t>(at(r - 1, c) - left),
                                        static_cast<int16_t>(at(r - 1, c - 1) - left),
                                        static_cast<int16_t>(at(r - 1, c + 1) - left),
                                        static_cast<int16_t>(at(r, c - 2) - left)};
      window.Record(pos, x);
      if (r == 0 && c == 10) {
        // The first row has no rows above: only the pixels to the left count.
        EXPECT_FALSE(window.Fit(pos, c, kStride, 2, 3, 1, 0.01, w));
        EXPECT_TRUE(window.Fit(pos, c, kStride, 2, 3, 8, 0.01, w));
      }
      if (r >= 4 && c >= 2 && window.Fit(pos, c, kStride, 2, 3, 3, 0.01, w)) {
        const double p = w[0] * x[0] + w[1] * x[1] + w[2] * x[2] + w[3] * x[3];
        EXPECT_NEAR(p, image[pos] - left, 0.05) << "row " << r << " column " << c;
        ++exact;
      }
      // Row 1 learns wrong targets (outside the windows from row 4 on), row 2 none.
      if (r == 2) {
        window.Skip(pos);
      } else {
        window.Learn(pos, r == 1 ? 1000 : image[pos] - left);
      }
    }
  }
  EXPECT_EQ(exact, (kRows - 4) * (kStride - 2));
}

// Grayscale 32x64 patches (rows of 64 pixels) and 8-bit unsigned speech: the 2-D
// and linear-prediction contexts must beat an order-0 model clearly.
TEST(ContextMixingTest, CodesImagesAndAudioBetterThanOrder0) {
  const std::string dir = LMZIP_TEST_DATA_DIR;
  struct Case {
    std::string file;
    size_t xz_size;  // xz -9e, for scale
  };
  for (const Case& c : {Case{"camera_patches_4x32x64.gray", 4812}, Case{"speech_8bit_16khz_8k.u8", 2516}}) {
    const std::vector<uint8_t> data = testing::ReadFileBytes(dir + "/" + c.file);
    ASSERT_EQ(data.size(), 8192u) << c.file;
    const size_t order0 = Encode(1, data, "order0").size();
    for (int level : {1, 5}) {
      const std::vector<uint8_t> code = Encode(level, data);
      EXPECT_LT(code.size() * 100, order0 * 87) << c.file << " level " << level;
      EXPECT_LT(code.size(), c.xz_size * 9 / 10) << c.file << " level " << level;
      EXPECT_EQ(Decode(level, code, data.size()), data) << c.file << " level " << level;
    }
  }
}

TEST(ContextMixingTest, FreshModelsStartTheirSignalRowsFromTheBuiltInPrior) {
  const std::vector<int16_t> prior = BuiltInSignalPrior();
  ASSERT_FALSE(prior.empty());
  for (int level = 5; level <= 9; ++level) EXPECT_EQ(FreshSignalPrior(level), prior) << "level " << level;
  for (int level = 1; level <= 4; ++level) EXPECT_TRUE(FreshSignalPrior(level).empty()) << "level " << level;
}

TEST(ContextMixingTest, SignalPriorIsLearnedDeterministically) {
  const std::vector<uint8_t> patches =
      testing::ReadFileBytes(std::string(LMZIP_TEST_DATA_DIR) + "/camera_patches_4x32x64.gray");
  auto first = MakeSignalPrior(std::span<const uint8_t>(patches.data(), 4096), "test");
  auto second = MakeSignalPrior(std::span<const uint8_t>(patches.data(), 4096), "test");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(*first, *second);
  const size_t table = first->find("inline constexpr int16_t kSignalPrior[] = {");
  ASSERT_NE(table, std::string::npos);
  EXPECT_EQ(static_cast<size_t>(std::count(first->begin() + static_cast<ptrdiff_t>(table), first->end(), ',')),
            BuiltInSignalPrior().size());
  EXPECT_FALSE(MakeSignalPrior(std::span<const uint8_t>(patches.data(), 2047), "test").ok());
}

// The signal model alone on grayscale 32x64 patches, through its image predictors'
// mixer (its second-to-last input): an ideal code length well under the order-0
// entropy, and a copy taken mid-patch continues exactly like the original.
TEST(ContextMixingTest, SignalModelPredictsImagePatchesAndCopiesExactly) {
  const std::vector<uint8_t> data =
      testing::ReadFileBytes(std::string(LMZIP_TEST_DATA_DIR) + "/camera_patches_4x32x64.gray");
  ASSERT_EQ(data.size(), 8192u);
  const std::vector<uint8_t> patch(data.begin(), data.begin() + 2048);
  // Ideal code length in bits of bytes [begin, end) of the patch; the model has seen
  // the bytes before `begin`.
  const auto cost = [&](cm::SignalModel& model, size_t begin, size_t end) {
    double bits = 0;
    std::array<int16_t, cm::SignalModel::kInputs> x{};
    for (size_t i = begin; i < end; ++i) {
      int c0 = 1;
      for (int k = 7; k >= 0; --k) {
        const int bit = (patch[i] >> k) & 1;
        model.Predict(c0, 7 - k, x.data());
        const double p1 = std::clamp(cm::Squash(x[cm::SignalModel::kInputs - 2]), 1, 4095) / 4096.0;
        bits -= std::log2(bit ? p1 : 1 - p1);
        model.Update(bit);
        c0 = c0 * 2 + bit;
      }
      model.EndByte(patch[i], 64, true);
    }
    return bits;
  };
  auto model = std::make_unique<cm::SignalModel>();
  const double head = cost(*model, 0, 1024);
  auto copy = std::make_unique<cm::SignalModel>(*model);
  const double tail = cost(*model, 1024, 2048);
  EXPECT_EQ(cost(*copy, 1024, 2048), tail);
  std::array<int, 256> counts{};
  for (uint8_t b : patch) ++counts[b];
  double order0 = 0;
  for (int n : counts) {
    if (n > 0) order0 -= n * std::log2(n / 2048.0);
  }
  EXPECT_LT(head + tail, order0 * 0.75) << (head + tail) / 2048 << " bits a pixel";
}

// The final probability refined by the image blend's residual shape: left alone
// until the refined one has coded better, then, over grayscale 32x64 patches, a
// smaller ideal code length than the plain one (here the image predictors' mixer).
TEST(ContextMixingTest, SignalModelRefinesByResidualShape) {
  const std::vector<uint8_t> data =
      testing::ReadFileBytes(std::string(LMZIP_TEST_DATA_DIR) + "/camera_patches_4x32x64.gray");
  ASSERT_EQ(data.size(), 8192u);
  double plain_bits = 0, refined_bits = 0;
  int changed = 0;
  for (size_t start = 0; start < data.size(); start += 2048) {
    auto model = std::make_unique<cm::SignalModel>();
    std::array<int16_t, cm::SignalModel::kInputs> x{};
    for (size_t i = start; i < start + 2048; ++i) {
      int c0 = 1;
      for (int k = 7; k >= 0; --k) {
        const int bit = (data[i] >> k) & 1;
        model->Predict(c0, 7 - k, x.data());
        const int plain = std::clamp(cm::Squash16(x[cm::SignalModel::kInputs - 2]), 1, 65535);
        const int refined = model->RefineFinal(plain, c0, 7 - k, 12);
        ASSERT_TRUE(refined >= 1 && refined <= 65535);
        if (i == start && k == 7) {
          EXPECT_EQ(refined, plain);
        }
        changed += refined != plain;
        plain_bits -= std::log2(bit ? plain / 65536.0 : 1 - plain / 65536.0);
        refined_bits -= std::log2(bit ? refined / 65536.0 : 1 - refined / 65536.0);
        model->Update(bit);
        model->FinalUpdate(bit);
        c0 = c0 * 2 + bit;
      }
      model->EndByte(data[i], 64, true);
    }
  }
  EXPECT_GT(changed, 8192 * 2);
  EXPECT_LT(refined_bits, plain_bits) << refined_bits / 8192 << " against " << plain_bits / 8192 << " bits a pixel";
}

TEST(ContextMixingTest, MemoryGrowsWithLevel) {
  size_t previous = 0;
  for (int level = 1; level <= 9; ++level) {
    const size_t bytes = ContextMixingMemory(level);
    EXPECT_GE(bytes, previous) << "level " << level;
    previous = bytes;
  }
  EXPECT_LT(ContextMixingMemory(9), size_t{2} << 30);
}

// Feeds `bytes` bit by bit; returns every prediction made.
std::vector<uint32_t> Feed(Predictor& model, const std::vector<uint8_t>& bytes) {
  std::vector<uint32_t> predictions;
  for (uint8_t byte : bytes) {
    for (int i = 7; i >= 0; --i) {
      predictions.push_back(model.PredictBit());
      model.UpdateBit((byte >> i) & 1);
    }
  }
  return predictions;
}

// Inputs of 64 KiB and more use the parts for long inputs (levels 6-9: run votes,
// rows by previous byte and bits, direct maps, match recovery, larger APMs, and for
// text the order-1 APM's rows by match state); they round-trip, also from a clone
// taken mid-byte, and a primed state (sized for a long input) keeps them.
TEST(ContextMixingTest, LongInputsRoundTripWithTheLongInputParts) {
  const std::vector<uint8_t> moby = MobyExcerpt();
  std::vector<uint8_t> text;
  const size_t size = 66000;  // just over 64 KiB
  for (int copy = 0; text.size() < size; ++copy) {
    for (size_t i = 0; i < moby.size() && text.size() < size; ++i) {
      // Each copy varies a few bytes, so that matches fail and recover.
      text.push_back(i % 997 == static_cast<size_t>(copy) ? static_cast<uint8_t>('#') : moby[i]);
    }
  }
  for (const int level : {6}) {  // levels 7-9 take the same parts
    const std::vector<uint8_t> code = Encode(level, text);
    EXPECT_LT(code.size(), 13000u) << "level " << level;  // the first copy costs ~11.5 KB
    EXPECT_EQ(Decode(level, code, text.size()), text) << "level " << level;
    ModelSpec spec;
    spec.level = level;
    spec.input_size = text.size();
    auto model = CreateModel(spec);
    ASSERT_TRUE(model.ok());
    const std::vector<uint8_t> head(text.begin(), text.begin() + 40000);
    const std::vector<uint8_t> tail(text.begin() + 40000, text.begin() + 42000);
    Feed(**model, head);
    (*model)->PredictBit();
    (*model)->UpdateBit(1);
    std::unique_ptr<Predictor> clone = (*model)->Clone();
    ASSERT_NE(clone, nullptr);
    EXPECT_EQ(Feed(*clone, tail), Feed(**model, tail)) << "level " << level;

    auto weights = PrimeContextMixingModel(level, head);
    ASSERT_TRUE(weights.ok()) << weights.status().ToString();
    const std::string path = ::testing::TempDir() + "/cm_long_primed_test.lmzw";
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(weights->data()),
                                                static_cast<std::streamsize>(weights->size()));
    ModelSpec primed;
    primed.level = level;
    primed.weights_path = path;
    std::vector<uint8_t> code2;
    ASSERT_TRUE(EncodeWithModel(primed, tail, &code2).ok());
    std::vector<uint8_t> out(tail.size());
    ASSERT_TRUE(DecodeWithModel(primed, code2, tail.size(), out.data()).ok());
    EXPECT_EQ(out, tail) << "level " << level;
    EXPECT_LT(code2.size() * 100, Encode(level, tail).size() * 60) << "level " << level;  // warm beats cold
    std::filesystem::remove(path);
  }
}

TEST(ContextMixingTest, CloneContinuesExactlyLikeTheOriginal) {
  const std::vector<uint8_t> text = MobyExcerpt();
  const std::vector<uint8_t> head(text.begin(), text.begin() + 3000);
  const std::vector<uint8_t> tail(text.begin() + 3000, text.begin() + 5000);
  for (int level : {1, 6, 9}) {
    ModelSpec spec;
    spec.level = level;
    spec.input_size = head.size() + tail.size();
    auto model = CreateModel(spec);
    ASSERT_TRUE(model.ok());
    Feed(**model, head);
    (*model)->PredictBit();
    (*model)->UpdateBit(0);  // mid-byte: the pending state is copied too
    std::unique_ptr<Predictor> clone = (*model)->Clone();
    ASSERT_NE(clone, nullptr);
    EXPECT_EQ(Feed(*clone, tail), Feed(**model, tail)) << "level " << level;
  }
}

TEST(ContextMixingTest, PrimedStateRoundTripsAndHelpsShortInputs) {
  const std::vector<uint8_t> text = MobyExcerpt();
  const std::vector<uint8_t> corpus(text.begin(), text.begin() + 24000);
  const std::vector<uint8_t> chunk(text.begin() + 28000, text.begin() + 30048);
  auto weights = PrimeContextMixingModel(2, corpus);
  ASSERT_TRUE(weights.ok()) << weights.status().ToString();
  const std::string path = ::testing::TempDir() + "/cm_primed_test.lmzw";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(weights->data()),
                                              static_cast<std::streamsize>(weights->size()));
  ModelSpec spec;
  spec.level = 2;
  spec.weights_path = path;
  std::vector<uint8_t> code;
  ASSERT_TRUE(EncodeWithModel(spec, chunk, &code).ok());
  std::vector<uint8_t> out(chunk.size());
  ASSERT_TRUE(DecodeWithModel(spec, code, chunk.size(), out.data()).ok());
  EXPECT_EQ(out, chunk);
  EXPECT_LT(code.size() * 100, Encode(2, chunk).size() * 85);  // warm beats cold

  auto hash = ContextMixingWeightsHash(path);
  ASSERT_TRUE(hash.ok());
  EXPECT_NE(*hash, 0u);

  // Through the container: the header names the weights, and decoding needs them.
  CompressOptions co;
  co.model = spec;
  MemorySource raw(chunk);
  MemorySink lmz;
  ASSERT_TRUE(Compress(raw, lmz, co).ok());
  {
    MemorySource in(lmz.bytes());
    MemorySink back;
    const auto missing = Decompress(in, back, DecompressOptions{});
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.status().message().find("--model FILE.lmzw"), std::string::npos);
  }
  {
    MemorySource in(lmz.bytes());
    MemorySink back;
    DecompressOptions dopt;
    dopt.weights_path = path;
    ASSERT_TRUE(Decompress(in, back, dopt).ok());
    EXPECT_EQ(back.bytes(), chunk);
  }
  spec.level = 3;
  EXPECT_FALSE(CreateModel(spec).ok());  // primed for another level

  // A damaged file is refused, never used.
  std::vector<uint8_t> damaged = *weights;
  damaged[damaged.size() / 2] ^= 1;
  const std::string bad = ::testing::TempDir() + "/cm_primed_damaged.lmzw";
  std::ofstream(bad, std::ios::binary).write(reinterpret_cast<const char*>(damaged.data()),
                                             static_cast<std::streamsize>(damaged.size()));
  spec.level = 2;
  spec.weights_path = bad;
  EXPECT_FALSE(CreateModel(spec).ok());
  spec.weights_path = ::testing::TempDir() + "/no_such_weights.lmzw";
  EXPECT_FALSE(CreateModel(spec).ok());
  std::remove(path.c_str());
  std::remove(bad.c_str());
}

TEST(ContextMixingTest, PrimedCodecCountsItsWeightsFile) {
  const std::string dir = ::testing::TempDir() + "/cm_primed_models";
  std::filesystem::create_directories(dir);
  ASSERT_EQ(setenv("LMZIP_MODELS_DIR", dir.c_str(), 1), 0);
  EXPECT_FALSE(CreateCodec("lmzip-cm-1-primed").ok());  // no weights file yet
  const std::vector<uint8_t> text = MobyExcerpt();
  auto weights = PrimeContextMixingModel(1, std::vector<uint8_t>(text.begin(), text.begin() + 16000));
  ASSERT_TRUE(weights.ok());
  std::ofstream(dir + "/cm-1-primed.lmzw", std::ios::binary)
      .write(reinterpret_cast<const char*>(weights->data()), static_cast<std::streamsize>(weights->size()));
  auto codec = CreateCodec("lmzip-cm-1-primed");
  ASSERT_TRUE(codec.ok()) << codec.status().ToString();
  EXPECT_EQ((*codec)->name(), "lmzip-cm-1-primed");
  EXPECT_EQ((*codec)->side_bytes(), weights->size());
  const std::vector<uint8_t> chunk(text.begin() + 20000, text.begin() + 22048);
  auto code = (*codec)->Compress(chunk);
  ASSERT_TRUE(code.ok());
  auto back = (*codec)->Decompress(*code, chunk.size());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, chunk);
  unsetenv("LMZIP_MODELS_DIR");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace lmzip
