#include "model/token_transformer.h"

#include <algorithm>

#include "coder/arithmetic_coder.h"
#include "model/transformer_model.h"
#include "nn/windows.h"

namespace lmzip {

TokenSequencePredictor::TokenSequencePredictor(std::shared_ptr<const nn::Transformer> model)
    : model_(std::move(model)),
      sequence_(*model_),
      logits_(static_cast<size_t>(model_->config().vocab)),
      cdf_(static_cast<size_t>(model_->config().vocab) + 1) {}

std::span<const uint32_t> TokenSequencePredictor::Predict() {
  sequence_.Step(next_input_, logits_.data());
  const int vocab = model_->config().vocab;
  nn::LogitsToCdf(logits_.data(), vocab, nn::CdfBitsForVocab(vocab), cdf_.data());
  return cdf_;
}

void TokenSequencePredictor::Update(uint32_t id) { next_input_ = id; }

Status CompressTokenChunks(std::shared_ptr<const nn::Transformer> model,
                           std::span<const std::span<const uint32_t>> chunks, int threads,
                           std::vector<std::vector<uint8_t>>* codes) {
  const nn::Transformer& m = *model;
  const size_t context = static_cast<size_t>(m.config().context);
  const size_t vocab = static_cast<size_t>(m.config().vocab);
  if (context < 2) return Status::InvalidArgument("token coding needs a context of at least 2");
  for (const auto& chunk : chunks) {
    for (uint32_t id : chunk) {
      if (id >= vocab) return Status::InvalidArgument("token id " + std::to_string(id) + " is outside the vocabulary");
    }
  }
  codes->assign(chunks.size(), {});
  const int bits = nn::CdfBitsForVocab(m.config().vocab);
  ForEachGroup(chunks.size(), threads, [&](size_t begin, size_t end) {
    std::unique_ptr<nn::TransformerState> state = m.NewState();
    std::vector<float> logits(context * vocab);
    std::vector<uint32_t> inputs, cdf(vocab + 1);
    for (size_t c = begin; c < end; ++c) {
      const std::span<const uint32_t> ids = chunks[c];
      ArithmeticCoder coder(&(*codes)[c]);
      for (const nn::SequenceWindow& w : nn::PlanWindows(ids.size(), context)) {
        inputs.assign(1, 0);
        inputs.insert(inputs.end(), ids.begin() + static_cast<ptrdiff_t>(w.start),
                      ids.begin() + static_cast<ptrdiff_t>(w.start + w.rows - 1));
        state->Reset();
        nn::Transformer::Request req{state.get(), {}, logits.data(), false};
        req.tokens = inputs;
        m.Evaluate({&req, 1});
        for (size_t r = w.skip; r < w.rows; ++r) {
          nn::LogitsToCdf(logits.data() + r * vocab, static_cast<int>(vocab), bits, cdf.data());
          coder.CodeSymbol(static_cast<int>(ids[w.start + r]), cdf, bits);
        }
      }
      coder.Flush();
    }
  });
  return Status::Ok();
}

Status DecompressTokenChunks(std::shared_ptr<const nn::Transformer> model,
                             std::span<const std::span<const uint8_t>> codes,
                             std::span<const size_t> token_counts, int threads,
                             std::vector<std::vector<uint32_t>>* chunks) {
  if (codes.size() != token_counts.size()) return Status::InvalidArgument("one token count per chunk is needed");
  if (model->config().context < 2) return Status::InvalidArgument("token coding needs a context of at least 2");
  chunks->assign(codes.size(), {});
  const int bits = nn::CdfBitsForVocab(model->config().vocab);
  ForEachGroup(codes.size(), threads, [&](size_t begin, size_t end) {
    for (size_t c = begin; c < end; ++c) {
      ArithmeticCoder coder(codes[c]);
      TokenSequencePredictor predictor(model);
      std::vector<uint32_t>& out = (*chunks)[c];
      out.resize(token_counts[c]);
      for (size_t i = 0; i < out.size(); ++i) {
        out[i] = static_cast<uint32_t>(coder.CodeSymbol(0, predictor.Predict(), bits));
        predictor.Update(out[i]);
      }
    }
  });
  return Status::Ok();
}

}  // namespace lmzip
