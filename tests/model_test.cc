// The model registry and the Predictor contract shared by every model family.
#include <gtest/gtest.h>

#include <vector>

#include "codec/model_codec.h"
#include "lmzip/model.h"
#include "test_util.h"

namespace lmzip {
namespace {

TEST(ModelRegistryTest, KnowsTheDefaultFamilies) {
  const std::vector<std::string> names = ModelNames();
  EXPECT_NE(std::find(names.begin(), names.end(), "cm"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "order0"), names.end());
}

TEST(ModelRegistryTest, RefusesBadLevelsAndNames) {
  for (int level : {0, 10, -1}) {
    ModelSpec spec;
    spec.level = level;
    auto model = CreateModel(spec);
    ASSERT_FALSE(model.ok());
    EXPECT_EQ(model.status().code(), StatusCode::kInvalidArgument);
  }
  ModelSpec spec;
  spec.name = "no-such-model";
  auto model = CreateModel(spec);
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kInvalidArgument);
}

TEST(ModelRegistryTest, EveryFamilyPredictsWithinRangeAndRoundTrips) {
  const std::vector<uint8_t> data = testing::TextBytes(3000, 5);
  for (const std::string& name : ModelNames()) {
    ModelSpec spec;
    spec.name = name;
    spec.level = 1;
    if (name == "tf" || name == "cm+tf") {
      // The transformer families need weights: the smallest shipped model.
      spec.weights_path = std::string(LMZIP_TEST_DATA_DIR) + "/../../models/tf-200k.gguf";
    }
    auto created = CreateModel(spec);
    ASSERT_TRUE(created.ok()) << name << ": " << created.status().ToString();
    Predictor& model = *created.value();
    if (model.granularity() == Predictor::Granularity::kBit) {
      for (int i = 0; i < 800; ++i) {
        const uint32_t p = model.PredictBit();
        ASSERT_GE(p, 1u) << name;
        ASSERT_LE(p, 65535u) << name;
        model.UpdateBit((data[i / 8] >> (7 - i % 8)) & 1);
      }
    }
    std::vector<uint8_t> code;
    ASSERT_TRUE(EncodeWithModel(spec, data, &code).ok()) << name;
    std::vector<uint8_t> back(data.size());
    ASSERT_TRUE(DecodeWithModel(spec, code, data.size(), back.data()).ok()) << name;
    EXPECT_EQ(back, data) << name;
  }
}

}  // namespace
}  // namespace lmzip
