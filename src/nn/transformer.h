// lmzip's inference engine for the transformer of nn/transformer_weights.h.
//
// A Transformer holds the weights (read-only, shared by any number of threads); a
// TransformerState is one sequence's key/value cache. Evaluate() advances any number
// of sequences by any number of bytes each in one pass: all rows go through the
// weight matrices together (matrix-matrix work), and each row attends over its own
// cache. A row's result depends only on its sequence's bytes, never on what else is
// in the batch, the thread count or the kernel ISA: encoding a whole chunk in one call
// and decoding it one byte at a time give bit-identical distributions.
// Cost per byte: O(parameters + position x width), never a re-run of the prefix.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "lmzip/status.h"
#include "nn/kernels.h"
#include "nn/transformer_weights.h"

namespace lmzip::nn {

class TransformerState;

class Transformer {
 public:
  // Takes ownership of validated weights.
  explicit Transformer(TransformerWeights weights);

  // Loads a GGUF file. Also returns the XXH64 of the file's bytes through `hash`.
  static Result<std::shared_ptr<const Transformer>> Load(const std::string& path,
                                                        uint64_t* hash = nullptr);
  static Result<std::shared_ptr<const Transformer>> FromBytes(std::span<const uint8_t> gguf);

  const TransformerConfig& config() const { return config_; }
  uint64_t parameter_count() const { return config_.parameter_count(); }

  // One sequence's request: feed `inputs` (the bytes at the state's next positions),
  // or `tokens` (token ids) when it is not empty; `logits` receives n x vocab floats
  // (n inputs; row k = prediction after input k), or only the last row when `last_only`.
  struct Request {
    TransformerState* state = nullptr;
    std::span<const uint8_t> inputs;
    float* logits = nullptr;
    bool last_only = false;
    std::span<const uint32_t> tokens{};
  };
  // REQUIRES: every state was made by NewState() of this model, each state appears
  // once, state->position() + n <= config().context, and every token < config().vocab.
  void Evaluate(std::span<const Request> requests, KernelIsa isa = ActiveIsa()) const;

  std::unique_ptr<TransformerState> NewState() const;

 private:
  TransformerConfig config_;
  TransformerWeights w_;  // matrices transposed to in x out
  std::vector<float> rope_cos_, rope_sin_;
};

class TransformerState {
 public:
  int position() const { return position_; }
  // Forgets the sequence (the next input is at position 0).
  void Reset() { position_ = 0; }

 private:
  friend class Transformer;
  int position_ = 0;
  // Per layer: keys transposed per head [heads][head_width][context], values
  // [context][width].
  std::vector<std::vector<float>> keys_, values_;
};

// Turns 256 logits into a CDF of 257 entries totalling 1 << 16 for the coder: a
// softmax with DetExp in fixed order, scaled to integers, every byte at least 1/65536.
void LogitsToCdf(const float* logits, uint32_t* cdf, KernelIsa isa = ActiveIsa());

// The same for `vocab` logits: a CDF of vocab + 1 entries totalling 1 << total_bits,
// every symbol at least 1. REQUIRES: 2 <= vocab < (1 << total_bits), total_bits <= 24.
// With vocab 256 and total_bits 16 it equals the form above bit for bit.
void LogitsToCdf(const float* logits, int vocab, int total_bits, uint32_t* cdf, KernelIsa isa = ActiveIsa());

// The CDF precision the coder uses for a vocabulary, in bits: 16 for bytes (256),
// 24 for token vocabularies, so that the floor of one unit per symbol stays below
// 1/16 of the total mass up to kMaxVocabSize symbols.
int CdfBitsForVocab(int vocab);

// Natural-log probabilities of the softmax of 256 (or `vocab`) logits (reference
// quality, libm).
void LogSoftmax(const float* logits, double* out);
void LogSoftmax(const float* logits, int vocab, double* out);

}  // namespace lmzip::nn
