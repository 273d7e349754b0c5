// The trainer (libtorch build only): it runs end to end on small data, checkpoints and
// resumes, writes a GGUF file the engine loads, and lmzip's engine agrees with
// libtorch's forward pass on the same weights.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <fstream>

#include "model/token_transformer.h"
#include "model/transformer_model.h"
#include "nn/gguf.h"
#include "nn/token_file.h"
#include "nn/transformer.h"
#include "train/torch_transformer.h"
#include "train/trainer.h"

namespace lmzip::train {
namespace {

nn::TransformerConfig Tiny() {
  nn::TransformerConfig c;
  c.width = 16;
  c.layers = 2;
  c.heads = 2;
  c.context = 64;
  return c;
}

// A few steps of the tiny model with no final long phase, no evaluation during
// training, and no progress output.
TrainOptions ShortRun() {
  TrainOptions o;
  o.model = Tiny();
  o.final_fraction = 0;
  o.eval_every = 0;
  o.warmup_steps = 1;
  o.progress = false;
  return o;
}

TEST(Trainer, TrainsCheckpointsResumesAndWritesGguf) {
  const std::string dir = ::testing::TempDir();
  const std::string corpus = dir + "corpus.txt";
  {
    std::ofstream out(corpus, std::ios::binary);
    for (int i = 0; i < 200; ++i) out << "Call me Ishmael. Some years ago, never mind how long precisely. ";
  }
  TrainOptions o;
  o.model = Tiny();
  o.corpus_path = corpus;
  o.output_path = dir + "tiny.gguf";
  o.checkpoint_path = dir + "tiny-ckpt";
  o.checkpoint_every = 2;
  o.log_path = dir + "tiny.csv";
  o.steps = 4;
  o.batch = 2;
  o.seq_len = 32;
  o.eval_every = 2;
  o.eval_chunks = 2;
  o.warmup_steps = 1;
  o.progress = false;
  auto first = Train(o);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->steps, 4);
  EXPECT_GT(first->validation_bpb, 0.0);
  EXPECT_LT(first->validation_bpb, 9.0);

  o.steps = 6;
  o.resume = true;
  auto resumed = Train(o);
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ(resumed->steps, 6);
  EXPECT_GT(resumed->tokens, first->tokens);

  uint64_t hash = 0;
  auto model = nn::Transformer::Load(o.output_path, &hash);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ((*model)->config().width, 16);
  EXPECT_NE(hash, 0u);

  o.corpus_path = dir + "missing.txt";
  o.resume = false;
  EXPECT_FALSE(Train(o).ok());
}

// The held-out score is what the coder pays: chunks longer than the model's context
// follow the coder's sliding window, so the reported bits per byte must equal the
// ideal code length of the same chunk under lmzip's own predictor.
TEST(Trainer, ValidationScoresChunksAsTheCoderCodesThem) {
  const std::string dir = ::testing::TempDir();
  const std::string corpus = dir + "window-corpus.txt";
  std::string text;
  for (int i = 0; i < 300; ++i) {
    text += "Call me Ishmael. Some years ago, never mind how long precisely, " + std::to_string(i * 7919 % 1000) + ". ";
  }
  {
    std::ofstream out(corpus, std::ios::binary);
    out << text;
  }
  TrainOptions o = ShortRun();  // context 64, so a 512-byte chunk restarts the window many times
  o.corpus_path = corpus;
  o.output_path = dir + "window.gguf";
  o.float16 = false;
  o.steps = 8;
  o.batch = 2;
  o.seq_len = 64;
  o.eval_chunks = 1;
  o.eval_chunk_size = 512;
  o.learning_rate = 1e-2;
  auto trained = Train(o);
  ASSERT_TRUE(trained.ok()) << trained.status().ToString();

  const size_t held_out = static_cast<size_t>(static_cast<double>(text.size()) * o.validation_fraction);
  const std::string chunk = text.substr(text.size() - held_out, o.eval_chunk_size);
  auto loaded = LoadTransformer(o.output_path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  auto predictor = std::make_unique<TransformerPredictor>(loaded->model);
  double bits = 0;
  std::array<uint32_t, 257> cdf{};
  for (char ch : chunk) {
    const auto b = static_cast<uint8_t>(ch);
    predictor->PredictByte(cdf);
    double log_p[nn::kVocabSize];
    nn::LogSoftmax(predictor->last_logits().data(), log_p);
    bits -= log_p[b] / std::log(2.0);
    predictor->UpdateByte(b);
  }
  const double coder_bpb = bits / static_cast<double>(o.eval_chunk_size);
  // Same weights, same windows: only float rounding may differ.
  EXPECT_NEAR(trained->validation_bpb, coder_bpb, 1e-3);
  // A score that ignored the window (positions past the context) would be far off.
  EXPECT_LT(trained->validation_bpb, 7.0);
}

TEST(Trainer, TrainsOnTokenIdsAndReportsBitsPerOriginalByte) {
  const std::string dir = ::testing::TempDir();
  // Ids of a 300-symbol vocabulary; each chunk stands for 3 bytes per id.
  nn::TokenChunks train, valid;
  train.vocab = valid.vocab = 300;
  for (int c = 0; c < 40; ++c) {
    std::vector<uint32_t> ids;
    for (int i = 0; i < 50; ++i) ids.push_back(static_cast<uint32_t>((c * 7 + i * i) % 299 + 1));
    (c < 36 ? train : valid).Add(ids, 150);
  }
  ASSERT_TRUE(nn::WriteTokenFile(dir + "train.ids", train).ok());
  ASSERT_TRUE(nn::WriteTokenFile(dir + "valid.ids", valid).ok());
  TrainOptions o = ShortRun();
  o.model.context = 16;  // chunks of 50 ids slide the window
  o.tokens_path = dir + "train.ids";
  o.valid_tokens_path = dir + "valid.ids";
  o.output_path = dir + "tokens.gguf";
  o.steps = 3;
  o.batch = 2;
  o.seq_len = 16;
  auto result = Train(o);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  // Near-uniform over 300 ids: about log2(300) / 3 = 2.7 bits per byte.
  EXPECT_GT(result->validation_bpb, 1.5);
  EXPECT_LT(result->validation_bpb, 4.5);
  auto model = nn::Transformer::Load(o.output_path);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ((*model)->config().vocab, 300);
  EXPECT_EQ((*model)->config().context, 16);

  // Without a held-out file, the tail of the chunks is held out.
  o.valid_tokens_path.clear();
  o.validation_fraction = 0.1;
  EXPECT_TRUE(Train(o).ok());
  o.model.vocab = 200;  // below the file's
  EXPECT_FALSE(Train(o).ok());
}

// As for bytes: the held-out score of token ids is what the token coder pays, per
// original byte, with its sliding window.
TEST(Trainer, TokenValidationScoresChunksAsTheCoderCodesThem) {
  const std::string dir = ::testing::TempDir();
  nn::TokenChunks train, valid;
  train.vocab = valid.vocab = 300;
  for (int c = 0; c < 20; ++c) {
    std::vector<uint32_t> ids;
    for (int i = 0; i < 60; ++i) ids.push_back(static_cast<uint32_t>((c * 13 + i * 7) % 300));
    (c < 19 ? train : valid).Add(ids, 170);
  }
  ASSERT_TRUE(nn::WriteTokenFile(dir + "train2.ids", train).ok());
  ASSERT_TRUE(nn::WriteTokenFile(dir + "valid2.ids", valid).ok());
  TrainOptions o = ShortRun();
  o.model.context = 16;
  o.tokens_path = dir + "train2.ids";
  o.valid_tokens_path = dir + "valid2.ids";
  o.output_path = dir + "tokens2.gguf";
  o.float16 = false;
  o.steps = 6;
  o.batch = 2;
  o.seq_len = 16;
  o.learning_rate = 1e-2;
  auto trained = Train(o);
  ASSERT_TRUE(trained.ok()) << trained.status().ToString();

  auto model = nn::Transformer::Load(o.output_path);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  TokenSequencePredictor predictor(*model);
  double bits = 0;
  for (uint32_t id : valid.ids) {
    const auto cdf = predictor.Predict();
    bits -= std::log2(static_cast<double>(cdf[id + 1] - cdf[id]) / (1 << 24));
    predictor.Update(id);
  }
  // The coder's CDF differs from the softmax only by its quantisation and floors.
  EXPECT_NEAR(trained->validation_bpb, bits / 170.0, 1e-2);
}

TEST(Trainer, EngineMatchesLibtorchForward) {
  torch::manual_seed(3);
  TorchTransformer torch_model(Tiny());
  {
    // Larger than the training init, so the check exercises every part of the model.
    torch::NoGradGuard guard;
    for (auto& p : torch_model->parameters()) p.normal_(0.0, 0.3);
  }
  const nn::TransformerWeights weights = ExportWeights(torch_model);
  const nn::Transformer engine(weights);

  const std::string text = "It was the best of times, it was the worst of times, it was";
  std::vector<uint8_t> inputs(text.size());
  inputs[0] = 0;
  for (size_t i = 1; i < text.size(); ++i) inputs[i] = static_cast<uint8_t>(text[i - 1]);
  torch::Tensor in = torch::empty({1, static_cast<int64_t>(inputs.size())}, torch::kInt64);
  for (size_t i = 0; i < inputs.size(); ++i) in[0][static_cast<int64_t>(i)] = inputs[i];
  torch::NoGradGuard guard;
  const torch::Tensor ref = torch::log_softmax(torch_model->forward(in).to(torch::kFloat64), -1);

  auto state = engine.NewState();
  std::vector<float> logits(inputs.size() * nn::kVocabSize);
  const nn::Transformer::Request req{state.get(), inputs, logits.data(), false};
  engine.Evaluate({&req, 1});
  double worst = 0;
  for (size_t t = 0; t < inputs.size(); ++t) {
    double lp[nn::kVocabSize];
    nn::LogSoftmax(logits.data() + t * nn::kVocabSize, lp);
    for (int b = 0; b < nn::kVocabSize; ++b) {
      worst = std::max(worst, std::fabs(lp[b] - ref[0][static_cast<int64_t>(t)][b].item<double>()));
    }
  }
  EXPECT_LT(worst, 1e-4);
}

}  // namespace
}  // namespace lmzip::train
