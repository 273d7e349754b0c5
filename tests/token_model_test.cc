// Token-level models: vocabularies other than 256 in GGUF and the engine, CDFs over
// large vocabularies at 24 bits, token-id coding round trips with a sliding window,
// token-id files read as hostile input, and byte-level loading refusing them.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "coder/arithmetic_coder.h"
#include "model/token_transformer.h"
#include "model/transformer_model.h"
#include "nn/gguf.h"
#include "nn/token_file.h"
#include "nn/transformer.h"
#include "nn/transformer_weights.h"

namespace lmzip {
namespace {

nn::TransformerConfig TokenConfig(int vocab, int context) {
  nn::TransformerConfig c;
  c.width = 16;
  c.layers = 2;
  c.heads = 2;
  c.context = context;
  c.vocab = vocab;
  return c;
}

nn::TransformerWeights RandomWeights(const nn::TransformerConfig& c, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 0.3f);
  nn::TransformerWeights w = nn::AllocateWeights(c);
  for (nn::NamedTensor& t : nn::ListTensors(w)) {
    const bool norm_scale = t.name.find("norm.weight") != std::string::npos;
    for (float& v : *t.values) v = norm_scale ? 1.0f + 0.1f * dist(rng) : dist(rng);
  }
  return w;
}

std::vector<uint32_t> RandomIds(size_t n, uint32_t vocab, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint32_t> ids(n);
  // Skewed, so the model's distribution and the ids disagree in interesting ways.
  for (uint32_t& id : ids) id = static_cast<uint32_t>(rng() % (rng() % 2 ? 40 : vocab));
  return ids;
}

TEST(TokenModel, GgufRoundTripKeepsTheVocabulary) {
  const nn::TransformerConfig c = TokenConfig(300, 8);
  EXPECT_EQ(c.parameter_count(), 2u * 300 * 16 + 300 + 2u * (12 * 16 * 16 + 9 * 16));
  const std::vector<uint8_t> bytes =
      nn::SerializeGguf(nn::ToGguf(RandomWeights(c, 1), {}, nn::GgufType::kF32, "t"));
  auto model = nn::Transformer::FromBytes(bytes);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ((*model)->config().vocab, 300);
  EXPECT_EQ((*model)->parameter_count(), c.parameter_count());

  nn::TransformerConfig bad = c;
  bad.vocab = 1;
  EXPECT_FALSE(bad.Validate().ok());
  bad.vocab = nn::kMaxVocabSize + 1;
  EXPECT_FALSE(bad.Validate().ok());
}

TEST(TokenModel, ByteLevelLoadingRefusesATokenModel) {
  const std::string path = ::testing::TempDir() + "token-model.gguf";
  const std::vector<uint8_t> bytes =
      nn::SerializeGguf(nn::ToGguf(RandomWeights(TokenConfig(300, 8), 2), {}, nn::GgufType::kF16, "t"));
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
  auto loaded = LoadTransformer(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kNotSupported);
  std::filesystem::remove(path);
}

TEST(TokenModel, LargeVocabularyCdfTotals24BitsAndKeepsEveryToken) {
  std::mt19937 rng(5);
  for (int vocab : {257, 1000, 20000, 100000}) {
    for (float spread : {0.0f, 1.0f, 60.0f}) {
      std::normal_distribution<float> dist(0.0f, spread);
      std::vector<float> logits(static_cast<size_t>(vocab));
      for (float& l : logits) l = spread == 0.0f ? 0.0f : dist(rng);
      logits[3] = 1e4f;  // one overwhelming token
      const int bits = nn::CdfBitsForVocab(vocab);
      ASSERT_EQ(bits, 24);
      std::vector<uint32_t> cdf(static_cast<size_t>(vocab) + 1);
      nn::LogitsToCdf(logits.data(), vocab, bits, cdf.data());
      EXPECT_EQ(cdf[0], 0u);
      EXPECT_EQ(cdf.back(), 1u << 24);
      for (int i = 0; i < vocab; ++i) ASSERT_GT(cdf[i + 1], cdf[i]) << vocab << " " << i;
    }
  }
}

TEST(TokenModel, ByteVocabularyCdfIsUnchanged) {
  std::mt19937 rng(9);
  std::normal_distribution<float> dist(0.0f, 8.0f);
  std::vector<float> logits(256);
  for (float& l : logits) l = dist(rng);
  uint32_t bytes_cdf[257];
  std::vector<uint32_t> general(257);
  nn::LogitsToCdf(logits.data(), bytes_cdf);
  nn::LogitsToCdf(logits.data(), 256, nn::CdfBitsForVocab(256), general.data());
  EXPECT_EQ(nn::CdfBitsForVocab(256), 16);
  EXPECT_EQ(std::memcmp(bytes_cdf, general.data(), sizeof bytes_cdf), 0);
}

TEST(TokenModel, CodingRoundTripsAcrossWindowRestarts) {
  // Context 8: chunks of 50 ids restart the window many times.
  auto model = std::make_shared<const nn::Transformer>(RandomWeights(TokenConfig(300, 8), 3));
  std::vector<std::vector<uint32_t>> chunks = {RandomIds(50, 300, 1), RandomIds(7, 300, 2), {},
                                               RandomIds(8, 300, 3), RandomIds(9, 300, 4)};
  chunks[0][10] = 299;  // the highest id
  std::vector<std::span<const uint32_t>> spans(chunks.begin(), chunks.end());
  std::vector<std::vector<uint8_t>> codes, codes2;
  ASSERT_TRUE(CompressTokenChunks(model, spans, 1, &codes).ok());
  ASSERT_TRUE(CompressTokenChunks(model, spans, 3, &codes2).ok());
  EXPECT_EQ(codes, codes2);  // independent of the thread count
  std::vector<std::span<const uint8_t>> code_spans(codes.begin(), codes.end());
  std::vector<size_t> counts;
  for (const auto& c : chunks) counts.push_back(c.size());
  std::vector<std::vector<uint32_t>> decoded;
  ASSERT_TRUE(DecompressTokenChunks(model, code_spans, counts, 2, &decoded).ok());
  EXPECT_EQ(decoded, chunks);

  const std::vector<uint32_t> outside = {1, 300};
  const std::span<const uint32_t> bad[1] = {outside};
  EXPECT_FALSE(CompressTokenChunks(model, bad, 1, &codes).ok());
}

TEST(TokenModel, ByteIdsCodeLikeTheByteCodec) {
  // Vocabulary 256, chunk within the context: the token coder and the byte codec code
  // the same distributions, so they write the same stream.
  auto weights = RandomWeights(TokenConfig(256, 64), 4);
  auto model = std::make_shared<const nn::Transformer>(weights);
  const std::string text = "It was the best of times, it was the worst of times.";
  std::vector<uint32_t> ids(text.begin(), text.end());
  const std::span<const uint32_t> one[1] = {ids};
  std::vector<std::vector<uint8_t>> codes;
  ASSERT_TRUE(CompressTokenChunks(model, one, 1, &codes).ok());
  TransformerCodec codec("t", LoadedTransformer{model, 0});
  auto bytes = codec.Compress(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(codes[0], *bytes);
}

TEST(TokenFile, RoundTripsAndRejectsDamage) {
  nn::TokenChunks c;
  c.vocab = 70000;  // 4-byte ids
  c.Add(std::vector<uint32_t>{1, 69999, 5}, 11);
  c.Add(std::vector<uint32_t>{}, 0);
  c.Add(std::vector<uint32_t>{7}, 2);
  const std::vector<uint8_t> bytes = nn::SerializeTokenChunks(c);
  auto back = nn::ParseTokenChunks(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->ids, c.ids);
  EXPECT_EQ(back->token_counts, c.token_counts);
  EXPECT_EQ(back->byte_counts, c.byte_counts);
  EXPECT_EQ(back->total_bytes(), 13u);

  nn::TokenChunks small;
  small.vocab = 1000;  // 2-byte ids
  small.Add(std::vector<uint32_t>{999, 0}, 4);
  std::vector<uint8_t> two = nn::SerializeTokenChunks(small);
  EXPECT_EQ(two.size(), 8u + 16 + 8 + 4);
  ASSERT_TRUE(nn::ParseTokenChunks(two).ok());
  two[two.size() - 3] = 0x03;  // id 999 -> 1000: outside the vocabulary
  two[two.size() - 4] = 0xE8;
  EXPECT_FALSE(nn::ParseTokenChunks(two).ok());

  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_FALSE(nn::ParseTokenChunks(std::span(bytes).first(cut)).ok()) << cut;
  }
  std::vector<uint8_t> huge = bytes;
  huge[16] = 0xFF;  // chunk count
  huge[23] = 0x7F;
  EXPECT_FALSE(nn::ParseTokenChunks(huge).ok());
}

}  // namespace
}  // namespace lmzip
