// Coding of token ids (a tokenizer's output) with a token-level transformer: a CDF
// over the model's whole vocabulary at nn::CdfBitsForVocab precision (24 bits for
// vocabularies above 256), every id at least one unit, so any id codes.
//
// Context policy: src/nn/windows.h, as for bytes. Encoding evaluates each window in
// one pass; decoding advances one id at a time; both give the same distributions bit
// for bit.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "lmzip/status.h"
#include "model/transformer_model.h"
#include "nn/transformer.h"

namespace lmzip {

// One chunk's incremental predictions (the decoding side).
class TokenSequencePredictor {
 public:
  explicit TokenSequencePredictor(std::shared_ptr<const nn::Transformer> model);
  // The CDF of the next id: vocab + 1 entries totalling 1 << nn::CdfBitsForVocab(vocab).
  std::span<const uint32_t> Predict();
  // REQUIRES: id < vocab.
  void Update(uint32_t id);

 private:
  std::shared_ptr<const nn::Transformer> model_;
  WindowedSequence sequence_;
  uint32_t next_input_ = 0;
  std::vector<float> logits_;
  std::vector<uint32_t> cdf_;
};

// Codes chunk i of `chunks` into (*codes)[i] (each its own arithmetic-coded stream).
// InvalidArgument for an id outside the vocabulary or a context below 2.
Status CompressTokenChunks(std::shared_ptr<const nn::Transformer> model,
                           std::span<const std::span<const uint32_t>> chunks, int threads,
                           std::vector<std::vector<uint8_t>>* codes);
// Decodes token_counts[i] ids of chunk i from codes[i].
Status DecompressTokenChunks(std::shared_ptr<const nn::Transformer> model,
                             std::span<const std::span<const uint8_t>> codes,
                             std::span<const size_t> token_counts, int threads,
                             std::vector<std::vector<uint32_t>>* chunks);

}  // namespace lmzip
