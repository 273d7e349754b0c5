// Golden files freeze the .lmz format and the models' code: each must keep decoding
// to its original, and each damaged one must keep failing cleanly.
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <utility>

#include "lmzip/container.h"
#include "test_util.h"

namespace lmzip {
namespace {

std::string Golden(const std::string& name) { return std::string(LMZIP_GOLDEN_DIR) + "/" + name; }

Result<std::vector<uint8_t>> DecodeFile(const std::string& path) {
  const std::vector<uint8_t> file = testing::ReadFileBytes(path);
  MemorySource in(file);
  MemorySink out;
  auto stats = Decompress(in, out, DecompressOptions{});
  if (!stats.ok()) return stats.status();
  return out.bytes();
}

TEST(GoldenTest, GoldenFilesDecodeToTheirOriginals) {
  const std::pair<const char*, const char*> pairs[] = {
      {"sample.order0.lmz", "sample.txt"},
      {"empty.order0.lmz", "empty.txt"},
      {"random.order0.lmz", "random.bin"},
      {"sample.cm1.lmz", "sample.txt"},
      {"sample.cm6.lmz", "sample.txt"},
      {"sample.cm9.lmz", "sample.txt"},
      {"signal.cm1.lmz", "signal.bin"},
      {"signal.cm6.lmz", "signal.bin"},
      {"signal.cm9.lmz", "signal.bin"},
  };
  for (const auto& [lmz, original] : pairs) {
    auto got = DecodeFile(Golden(lmz));
    ASSERT_TRUE(got.ok()) << lmz << ": " << got.status().ToString();
    EXPECT_EQ(*got, testing::ReadFileBytes(Golden(original))) << lmz;
  }
}

TEST(GoldenTest, DamagedFilesFailWithTheRightError) {
  const std::pair<const char*, StatusCode> cases[] = {
      {"damaged-truncated.lmz", StatusCode::kCorruption},
      {"damaged-payload.lmz", StatusCode::kCorruption},
      {"damaged-magic.lmz", StatusCode::kCorruption},
      {"damaged-version.lmz", StatusCode::kNotSupported},
      {"damaged-footer.lmz", StatusCode::kCorruption},
      {"damaged-index.lmz", StatusCode::kCorruption},
  };
  for (const auto& [name, code] : cases) {
    auto got = DecodeFile(Golden(name));
    ASSERT_FALSE(got.ok()) << name << " decoded";
    EXPECT_EQ(got.status().code(), code) << name << ": " << got.status().ToString();
  }
}

TEST(GoldenTest, RetiredModelVersionsAreRefusedClearly) {
  // Version 5 was retired when version 6 changed the mixer's arithmetic and added the
  // signal model; version 6 when version 11 added least-squares audio prediction, an
  // APM keyed by the signal model, text inputs and contexts, and bias correction of the
  // signal blends (versions 7 to 10 were never released); version 11 when version 12
  // brought the audio least-squares predictors, their stack and quarter-sample centres;
  // version 12 when version 13 rested text contexts on signals and added the word
  // transform's known-text chunks; version 13 when version 14 gave young mixer rows
  // and text APMs faster learning, signals a built-in prior and images a
  // least-squares stack with error feedback; version 14 when version 15 added direct
  // maps and match recovery on long text and the residual shape on images; version 15
  // when version 16 grew the text APMs and added least squares over pixel windows;
  // version 16 when version 17 brought the word triple and weight sets by character
  // classes on long text and a mixture of the signal predictors' distributions.
  const std::pair<const char*, const char*> cases[] = {
      {"retired-cm5.cm1.lmz", "version 5"},   {"retired-cm5.cm6.lmz", "version 5"},
      {"retired-cm5.cm9.lmz", "version 5"},   {"retired-cm6.cm1.lmz", "version 6"},
      {"retired-cm6.cm6.lmz", "version 6"},   {"retired-cm6.cm9.lmz", "version 6"},
      {"retired-cm11.cm1.lmz", "version 11"}, {"retired-cm11.cm6.lmz", "version 11"},
      {"retired-cm11.cm9.lmz", "version 11"}, {"retired-cm12.cm1.lmz", "version 12"},
      {"retired-cm12.cm6.lmz", "version 12"}, {"retired-cm12.cm9.lmz", "version 12"},
      {"retired-cm13.cm1.lmz", "version 13"}, {"retired-cm13.cm6.lmz", "version 13"},
      {"retired-cm13.cm9.lmz", "version 13"}, {"retired-cm14.cm1.lmz", "version 14"},
      {"retired-cm14.cm6.lmz", "version 14"}, {"retired-cm14.cm9.lmz", "version 14"},
      {"retired-cm15.cm1.lmz", "version 15"}, {"retired-cm15.cm6.lmz", "version 15"},
      {"retired-cm15.cm9.lmz", "version 15"}, {"retired-cm16.cm1.lmz", "version 16"},
      {"retired-cm16.cm6.lmz", "version 16"}, {"retired-cm16.cm9.lmz", "version 16"},
  };
  for (const auto& [name, version] : cases) {
    auto got = DecodeFile(Golden(name));
    ASSERT_FALSE(got.ok()) << name << " decoded";
    EXPECT_EQ(got.status().code(), StatusCode::kNotSupported) << name;
    EXPECT_NE(got.status().ToString().find(std::string("model 'cm' ") + version), std::string::npos)
        << got.status().ToString();
  }
}

TEST(GoldenTest, EncoderStillProducesTheGoldenBytes) {
  // A model whose code changes must get a new model version (and keep the old one
  // decodable): re-encoding the golden inputs must give the golden files byte for
  // byte. sample.txt covers the text contexts; signal.bin (two 32x64 image patches,
  // then 8-bit speech, in 2048-byte chunks) covers the signal model.
  const std::tuple<const char*, const char*, int, uint32_t, const char*> cases[] = {
      {"sample.txt", "order0", 6, 2500, "sample.order0.lmz"}, {"sample.txt", "cm", 1, 2500, "sample.cm1.lmz"},
      {"sample.txt", "cm", 6, 2500, "sample.cm6.lmz"},        {"sample.txt", "cm", 9, 2500, "sample.cm9.lmz"},
      {"signal.bin", "cm", 1, 2048, "signal.cm1.lmz"},        {"signal.bin", "cm", 6, 2048, "signal.cm6.lmz"},
      {"signal.bin", "cm", 9, 2048, "signal.cm9.lmz"},
  };
  for (const auto& [input, model, level, chunk_size, golden] : cases) {
    const std::vector<uint8_t> original = testing::ReadFileBytes(Golden(input));
    MemorySource in(original);
    MemorySink out;
    CompressOptions opt;
    opt.model.name = model;
    opt.model.level = level;
    opt.chunk_size = chunk_size;
    opt.size_hint = original.size();
    ASSERT_TRUE(Compress(in, out, opt).ok());
    EXPECT_EQ(out.bytes(), testing::ReadFileBytes(Golden(golden))) << golden;
  }
}

}  // namespace
}  // namespace lmzip
