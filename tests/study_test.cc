#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "data/dataset.h"
#include "data/files.h"
#include "study/ngram.h"
#include "study/report.h"
#include "study/studies.h"
#include "study/tokenizer.h"

namespace lmzip::study {
namespace {

std::vector<uint8_t> Moby(uint64_t bytes) {
  auto data = ReadFilePrefix(std::string(LMZIP_TEST_DATA_DIR) + "/moby_chapter1_32k.txt", bytes);
  EXPECT_TRUE(data.ok());
  return data.ok() ? *data : std::vector<uint8_t>{};
}

TEST(NgramTest, TrainingOnTheTextItselfLowersTheCodeLength) {
  const auto text = Moby(16384);
  const std::vector<uint32_t> symbols(text.begin(), text.end());
  const std::span<const uint32_t> held_out = std::span(symbols).subspan(12288);
  NgramModel cold(2, 256);
  NgramModel trained(2, 256);
  trained.Train(std::span(symbols).first(12288));
  EXPECT_GT(trained.parameters(), 1000u);
  const double cold_bits = cold.CodeLengthBits(held_out);
  const double trained_bits = trained.CodeLengthBits(held_out);
  EXPECT_LT(cold_bits, 8.0 * held_out.size());  // learns within the sequence
  EXPECT_LT(trained_bits, 0.9 * cold_bits);
}

TEST(StudyTest, ContextRatesFallAsChunksGrow) {
  BenchDataset text;
  text.name = "text";
  text.source = "moby";
  text.bytes = Moby(8192);
  ContextOptions options;
  options.chunk_sizes = {256, 1024, 4096};
  options.codecs = {"gzip", "lmzip-cm-1"};
  options.threads = 2;
  auto result = RunContextStudy(std::span(&text, 1), options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->points.size(), 6u);
  for (const std::string codec : {"gzip", "lmzip-cm-1"}) {
    std::vector<double> rates;
    for (const StudyPoint& p : result->points) {
      if (p.model == codec) rates.push_back(p.raw_rate);
    }
    ASSERT_EQ(rates.size(), 3u);
    EXPECT_GT(rates[0], rates[1]) << codec;
    EXPECT_GT(rates[1], rates[2]) << codec;
  }
  EXPECT_NE(StudyCsv(*result).find("lmzip-cm-1"), std::string::npos);
}

TEST(StudyTest, ScalingFindsABestModelPerDatasetSize) {
  const auto text = Moby(32768);
  ScalingOptions options;
  options.dataset_sizes = {2048, 20480};
  options.train_bytes = 8192;
  options.ngram_orders = {0, 2};
  options.codecs = {"lmzip-order0-1"};
  options.transformer_shapes = {};
  auto result = RunScalingStudy(text, options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->points.size(), 6u);
  for (const StudyPoint& p : result->points) {
    EXPECT_GE(p.adjusted_rate, p.raw_rate);
    if (p.model == "ngram-2") {
      EXPECT_GT(p.parameters, 1000u);
    }
  }
  int best_notes = 0;
  for (const std::string& n : result->notes) best_notes += n.starts_with("best for");
  EXPECT_EQ(best_notes, 2);
}

// One small vocabulary and an order-1 n-gram over the 32 KiB of Moby Dick the token
// tests use: 24 KiB to train on, 8 KiB to evaluate.
TokensOptions SmallTokensStudy() {
  TokensOptions options;
  options.vocabularies = {400};
  options.ngram_orders = {1};
  options.train_bytes = 24576;
  options.eval_bytes = 8192;
  return options;
}

TEST(StudyTest, TokensStudyHasByteRowsAndRoundTripsTokens) {
  const auto text = Moby(32768);
  TokensOptions options = SmallTokensStudy();
  options.transformer_shapes = {};
  auto result = RunTokensStudy(text, options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->points.size(), HaveSentencePiece() ? 2u : 1u);
  EXPECT_EQ(result->points[0].x, 256);
  EXPECT_DOUBLE_EQ(result->points[0].tokens_per_byte, 1.0);
  if (HaveSentencePiece()) {
    EXPECT_LT(result->points[1].tokens_per_byte, 0.7);
    EXPECT_GT(result->points[1].side_bytes, 0u);
    for (const std::string& n : result->notes) EXPECT_EQ(n.find("round-trip"), std::string::npos) << n;
  }
}

// Tiny transformers, a few steps: what matters is that the rows exist and are sane.
TransformerTraining TinyTraining() {
  TransformerTraining t;
  t.steps = 3;
  t.batch = 2;
  t.seq_len = 16;
  t.warmup = 1;
  return t;
}

TEST(StudyTest, ScalingHasTransformerRowsWhenTheTrainerIsBuilt) {
  if (FindTrainer().empty()) GTEST_SKIP() << "no lmzip-train in this build";
  const auto text = Moby(32768);
  ScalingOptions options;
  options.dataset_sizes = {2048, 20480};
  options.train_bytes = 8192;
  options.ngram_orders = {0};
  options.codecs = {};
  options.transformer_shapes = {{8, 1, 1}, {16, 1, 1}};
  options.training = TinyTraining();
  options.threads = 2;
  auto result = RunScalingStudy(text, options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->points.size(), 6u);
  for (const StudyPoint& p : result->points) {
    if (p.model == "ngram-0") continue;
    EXPECT_TRUE(p.model == "tf-8x1" || p.model == "tf-16x1") << p.model;
    EXPECT_GT(p.raw_rate, 0.3);  // a few steps of training: near 8 bits per byte
    EXPECT_LT(p.raw_rate, 1.3);
    EXPECT_NEAR(p.adjusted_rate - p.raw_rate, 2.0 * static_cast<double>(p.parameters) / p.raw_bytes, 1e-9);
  }
  int best = 0;
  for (const std::string& n : result->notes) best += n.starts_with("best transformer for");
  EXPECT_EQ(best, 2);
}

TEST(StudyTest, TokensStudyTrainsTransformersPerVocabulary) {
  if (FindTrainer().empty()) GTEST_SKIP() << "no lmzip-train in this build";
  const auto text = Moby(32768);
  TokensOptions options = SmallTokensStudy();
  options.transformer_shapes = {{8, 1, 1}};
  options.training = TinyTraining();
  auto result = RunTokensStudy(text, options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  std::vector<double> vocabularies;
  for (const StudyPoint& p : result->points) {
    if (p.model != "tf-8x1") continue;
    vocabularies.push_back(p.x);
    EXPECT_GT(p.raw_rate, 0.2);
    EXPECT_LT(p.raw_rate, 1.5);
    EXPECT_GT(p.adjusted_rate, p.raw_rate);
  }
  EXPECT_EQ(vocabularies.size(), HaveSentencePiece() ? 2u : 1u);
}

TEST(StudyTest, TransformerRowsAreSkippedWithANoteWithoutTrainer) {
  ::setenv("LMZIP_TRAIN", "/nonexistent/lmzip-train", 1);
  const auto text = Moby(32768);
  ScalingOptions options;
  options.dataset_sizes = {2048};
  options.train_bytes = 8192;
  options.ngram_orders = {0};
  options.codecs = {};
  auto result = RunScalingStudy(text, options);
  ::unsetenv("LMZIP_TRAIN");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->points.size(), 1u);
  bool noted = false;
  for (const std::string& n : result->notes) noted |= n.starts_with("transformer rows skipped");
  EXPECT_TRUE(noted);
}

TEST(TokenizerTest, BpeRoundTripsArbitraryText) {
  if (!HaveSentencePiece()) GTEST_SKIP() << "no SentencePiece in this build";
  const auto text = Moby(16384);
  auto tokenizer = Tokenizer::TrainBpe(text, 500);
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().ToString();
  const std::string odd = "  two  spaces,\ttab\nnew line \x01\x7f\xc3\xa9 end ";
  const std::vector<uint8_t> bytes(odd.begin(), odd.end());
  auto ids = (*tokenizer)->Encode(bytes);
  ASSERT_TRUE(ids.ok());
  auto back = (*tokenizer)->Decode(*ids);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, bytes);
}

TEST(ReportTest, WritesMarkdownAndHtml) {
  const auto text = Moby(32768);
  ReportOptions options;
  options.out_dir = ::testing::TempDir() + "/lmzip_report_test";
  BenchDataset d;
  d.name = "text";
  d.source = "moby";
  d.bytes = std::vector<uint8_t>(text.begin(), text.begin() + 4096);
  options.bench_datasets = {d};
  options.bench_codecs = {"gzip", "lmzip-order0-1"};
  options.context_datasets = {d};
  options.context.chunk_sizes = {1024, 4096};
  options.context.codecs = {"gzip"};
  options.text = text;
  options.scaling.dataset_sizes = {2048, 4096};
  options.scaling.train_bytes = 8192;
  options.scaling.ngram_orders = {0, 1};
  options.scaling.codecs = {};
  options.scaling.transformer_shapes = {};
  options.tokens.transformer_shapes = {};
  options.tokens.vocabularies = {};
  options.tokens.ngram_orders = {1};
  options.tokens.train_bytes = 8192;
  options.tokens.eval_bytes = 4096;
  options.generation_models = {"order0"};
  options.threads = 1;
  auto written = RunReport(options);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  for (const char* name : {"report.md", "report.html", "bench.csv", "context.csv", "scaling.csv", "tokens.csv"}) {
    EXPECT_TRUE(std::filesystem::exists(options.out_dir + "/" + name)) << name;
  }
  auto md = ReadFilePrefix(options.out_dir + "/report.md", 0);
  ASSERT_TRUE(md.ok());
  const std::string s(md->begin(), md->end());
  EXPECT_NE(s.find("Scaling"), std::string::npos);
  EXPECT_NE(s.find("Tokenization"), std::string::npos);
  std::filesystem::remove_all(options.out_dir);
}

}  // namespace
}  // namespace lmzip::study
