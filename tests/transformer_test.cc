// The transformer as Predictor and Codec: round trips, batched vs one-at-a-time
// coding giving identical bytes, thread-count independence, and the shipped models.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <random>

#include "codec/model_codec.h"
#include "model/transformer_model.h"
#include "nn/gguf.h"
#include "nn/windows.h"

namespace lmzip {
namespace {

std::string WriteTinyModel(int context) {
  nn::TransformerConfig c;
  c.width = 16;
  c.layers = 2;
  c.heads = 2;
  c.context = context;
  std::mt19937 rng(11);
  std::normal_distribution<float> dist(0.0f, 0.3f);
  nn::TransformerWeights w = nn::AllocateWeights(c);
  for (nn::NamedTensor& t : nn::ListTensors(w)) {
    const bool norm_scale = t.name.find("norm.weight") != std::string::npos;
    for (float& v : *t.values) v = norm_scale ? 1.0f : dist(rng);
  }
  const std::vector<uint8_t> bytes = nn::SerializeGguf(nn::ToGguf(w, {}, nn::GgufType::kF16, "tiny"));
  const std::string path = ::testing::TempDir() + "tiny-" + std::to_string(context) + ".gguf";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
  return path;
}

std::vector<uint8_t> Text(size_t n) {
  const std::string s = "Call me Ishmael. Some years ago - never mind how long precisely - ";
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(s[i % s.size()]);
  return v;
}

TEST(TransformerCodec, RoundTripsAndMatchesThePredictorPath) {
  const std::string path = WriteTinyModel(128);
  auto loaded = LoadTransformer(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  TransformerCodec codec("tiny", *loaded);
  EXPECT_EQ(codec.parameter_count(), loaded->model->config().parameter_count());
  for (size_t n : {0, 1, 5, 127, 128, 129, 400}) {
    const std::vector<uint8_t> data = Text(n);
    auto packed = codec.Compress(data);
    ASSERT_TRUE(packed.ok());
    auto unpacked = codec.Decompress(*packed, n);
    ASSERT_TRUE(unpacked.ok());
    EXPECT_EQ(*unpacked, data) << n;
    // The generic Predictor path (what .lmz files use) gives the very same code.
    std::vector<uint8_t> via_predictor;
    ASSERT_TRUE(EncodeWithModel(ModelSpec{"tf", 1, path}, data, &via_predictor).ok());
    EXPECT_EQ(via_predictor, *packed) << n;
  }
}

// A context of 16 makes most chunks restart their window several times.
TEST(TransformerCodec, BatchedChunksAndThreadsGiveTheSameBytes) {
  const std::string path = WriteTinyModel(16);
  auto loaded = LoadTransformer(path);
  ASSERT_TRUE(loaded.ok());
  TransformerCodec codec("tiny", *loaded);
  std::mt19937 rng(9);
  std::vector<std::vector<uint8_t>> chunks;
  for (int i = 0; i < 21; ++i) {
    std::vector<uint8_t> c = Text(1 + rng() % 90);
    for (auto& b : c) b = static_cast<uint8_t>(b + i % 3);
    chunks.push_back(c);
  }
  std::vector<std::span<const uint8_t>> inputs(chunks.begin(), chunks.end());
  std::vector<std::vector<uint8_t>> codes1, codes2;
  ASSERT_TRUE(codec.CompressChunks(inputs, 1, &codes1).ok());
  ASSERT_TRUE(codec.CompressChunks(inputs, 2, &codes2).ok());
  EXPECT_EQ(codes1, codes2);
  std::vector<std::span<const uint8_t>> code_spans(codes1.begin(), codes1.end());
  std::vector<size_t> sizes;
  for (const auto& c : chunks) sizes.push_back(c.size());
  for (int threads : {1, 2, 3}) {
    std::vector<std::vector<uint8_t>> decoded;
    ASSERT_TRUE(codec.DecompressChunks(code_spans, sizes, threads, &decoded).ok());
    EXPECT_EQ(decoded, chunks) << threads;
  }
  for (size_t i = 0; i < chunks.size(); ++i) {
    auto one = codec.Compress(chunks[i]);
    ASSERT_TRUE(one.ok());
    EXPECT_EQ(*one, codes1[i]);
    std::vector<uint8_t> via_predictor;
    ASSERT_TRUE(EncodeWithModel(ModelSpec{"tf", 1, path}, chunks[i], &via_predictor).ok());
    EXPECT_EQ(via_predictor, codes1[i]) << chunks[i].size();
  }
}

TEST(SequenceWindows, CoverEverySymbolOnceWithHalfTheContextReRead) {
  EXPECT_TRUE(nn::PlanWindows(0, 8).empty());
  for (size_t context : {2, 3, 8, 9}) {
    for (size_t length = 1; length < 40; ++length) {
      const std::vector<nn::SequenceWindow> plan = nn::PlanWindows(length, context);
      size_t next = 0;
      for (size_t i = 0; i < plan.size(); ++i) {
        const nn::SequenceWindow& w = plan[i];
        EXPECT_EQ(w.skip, i == 0 ? 0 : context / 2);
        EXPECT_EQ(w.start + w.skip, next) << "every symbol is scored once, in order";
        EXPECT_LE(w.rows, context);
        EXPECT_LT(w.skip, w.rows);
        next = w.start + w.rows;
      }
      EXPECT_EQ(next, length);
    }
  }
}

TEST(TransformerModel, MissingOrDamagedWeightsAreErrors) {
  EXPECT_FALSE(CreateModel(ModelSpec{"tf", 1, ""}).ok());
  EXPECT_FALSE(CreateModel(ModelSpec{"tf", 1, "/nonexistent/model.gguf"}).ok());
  const std::string bad = ::testing::TempDir() + "bad.gguf";
  std::ofstream(bad, std::ios::binary) << "GGUF but not really";
  EXPECT_FALSE(CreateModel(ModelSpec{"tf", 1, bad}).ok());
}

// cm+tf: the context-mixing model and a transformer mixed bit by bit round-trips,
// records the transformer's hash, and refuses to start without weights.
TEST(MixedModel, RoundTripsThroughTheModelCodec) {
  const std::string path = WriteTinyModel(64);
  const ModelSpec spec{"cm+tf", 2, path};
  for (size_t n : {0, 1, 63, 64, 65, 300}) {
    const std::vector<uint8_t> data = Text(n);
    std::vector<uint8_t> code;
    ASSERT_TRUE(EncodeWithModel(spec, data, &code).ok()) << n;
    std::vector<uint8_t> back(n);
    ASSERT_TRUE(DecodeWithModel(spec, code, n, back.data()).ok()) << n;
    EXPECT_EQ(back, data) << n;
  }
  EXPECT_FALSE(CreateModel(ModelSpec{"cm+tf", 2, ""}).ok());
  EXPECT_FALSE(CreateModel(ModelSpec{"cm+tf", 2, "/nonexistent/model.gguf"}).ok());
}

// With a trained transformer, the mix codes a 2048-byte chunk of English smaller
// than the context-mixing model alone does, and no worse than the transformer alone.
TEST(MixedModel, ShippedModelHelpsTheContextMixingModel) {
  const std::string models = DefaultModelsDir();
  const std::string path = models + "/tf-200k.gguf";
  if (!std::ifstream(path).good()) GTEST_SKIP() << "no " << path;
  std::ifstream in(std::string(LMZIP_TEST_DATA_DIR) + "/moby_chapter1_32k.txt", std::ios::binary);
  std::vector<uint8_t> text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GE(text.size(), 4096u);
  text.erase(text.begin(), text.begin() + 2048);
  text.resize(2048);
  auto size_with = [&](const ModelSpec& spec) {
    std::vector<uint8_t> code;
    EXPECT_TRUE(EncodeWithModel(spec, text, &code).ok());
    return code.size();
  };
  const size_t cm = size_with(ModelSpec{"cm", 6, ""});
  const size_t tf = size_with(ModelSpec{"tf", 6, path});
  const size_t mixed = size_with(ModelSpec{"cm+tf", 6, path});
  EXPECT_LT(mixed, cm);
  EXPECT_LT(mixed, tf + tf / 50);
}

// The shipped models compress English well, and the two directions agree.
TEST(ShippedModels, CompressEnglishText) {
  int found = 0;
  for (const char* name : {"tf-200k", "tf-800k"}) {
    auto codec = NewTransformerCodec(name);
    if (!codec.ok()) continue;  // not shipped in this tree
    ++found;
    std::ifstream in(std::string(LMZIP_TEST_DATA_DIR) + "/moby_chapter1_32k.txt", std::ios::binary);
    std::vector<uint8_t> text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_GE(text.size(), 2048u);
    text.resize(2048);
    auto packed = (*codec)->Compress(text);
    ASSERT_TRUE(packed.ok());
    EXPECT_LT(packed->size(), text.size() * 6 / 10) << name;
    auto unpacked = (*codec)->Decompress(*packed, text.size());
    ASSERT_TRUE(unpacked.ok());
    EXPECT_EQ(*unpacked, text);
  }
  if (found == 0) GTEST_SKIP() << "no models/tf-*.gguf";
}

}  // namespace
}  // namespace lmzip
