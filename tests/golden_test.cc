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
  // brought the audio least-squares predictors, their stack and quarter-sample centres.
  const std::pair<const char*, const char*> cases[] = {
      {"retired-cm5.cm1.lmz", "version 5"},   {"retired-cm5.cm6.lmz", "version 5"},
      {"retired-cm5.cm9.lmz", "version 5"},   {"retired-cm6.cm1.lmz", "version 6"},
      {"retired-cm6.cm6.lmz", "version 6"},   {"retired-cm6.cm9.lmz", "version 6"},
      {"retired-cm11.cm1.lmz", "version 11"}, {"retired-cm11.cm6.lmz", "version 11"},
      {"retired-cm11.cm9.lmz", "version 11"},
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
  // decodable): re-encoding the golden input must give the golden file byte for byte.
  const std::vector<uint8_t> original = testing::ReadFileBytes(Golden("sample.txt"));
  const std::tuple<const char*, int, const char*> cases[] = {
      {"order0", 6, "sample.order0.lmz"},
      {"cm", 1, "sample.cm1.lmz"},
      {"cm", 6, "sample.cm6.lmz"},
      {"cm", 9, "sample.cm9.lmz"},
  };
  for (const auto& [model, level, golden] : cases) {
    MemorySource in(original);
    MemorySink out;
    CompressOptions opt;
    opt.model.name = model;
    opt.model.level = level;
    opt.chunk_size = 2500;
    opt.size_hint = original.size();
    ASSERT_TRUE(Compress(in, out, opt).ok());
    EXPECT_EQ(out.bytes(), testing::ReadFileBytes(Golden(golden))) << golden;
  }
}

}  // namespace
}  // namespace lmzip
