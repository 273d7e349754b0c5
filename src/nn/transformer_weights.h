// The transformer that lmzip trains and runs, and its GGUF form.
//
// Architecture (docs/neural.md): a vocabulary of `vocab` symbols (256 for byte-level
// models, a tokenizer's size for token-level ones); the input at position t is symbol
// t-1 (symbol 0 at t = 0); token embedding; `layers` post-LN blocks
//   h = LN_attn(h + W_o * attention(rotary(W_q h), rotary(W_k h), W_v h))
//   h = LN_ffn(h + W_down * gelu_tanh(W_up h + b_up) + b_down)
// with causal multi-head attention (no biases), rotary positions on the two halves of
// each head (base `rope_base`), 4x MLP widening; logits = W_out h + b_out (untied).
// Parameter count: 2*vocab*d + vocab + layers*(12*d*d + 9*d).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lmzip/status.h"
#include "nn/gguf.h"

namespace lmzip::nn {

inline constexpr char kTransformerArch[] = "lmzip-transformer";
inline constexpr int kVocabSize = 256;        // byte-level models
inline constexpr int kMaxVocabSize = 1 << 20;  // token-level models: 2..kMaxVocabSize

struct TransformerConfig {
  int width = 64;       // d: embedding width
  int layers = 4;
  int heads = 4;        // d % heads == 0, head width even
  int context = 2048;   // longest sequence the model attends over, in symbols
  int vocab = kVocabSize;  // symbols: 256 bytes, or a tokenizer's token ids
  float rope_base = 10000.0f;
  float layer_norm_eps = 1e-5f;

  int head_width() const { return width / heads; }
  int ffn_width() const { return 4 * width; }
  uint64_t parameter_count() const;
  Status Validate() const;
};

// Row-major weights, PyTorch layout: a Linear(in -> out) weight has `out` rows of
// `in` floats.
struct LayerWeights {
  std::vector<float> attn_q, attn_k, attn_v, attn_out;  // d x d each
  std::vector<float> attn_norm_scale, attn_norm_bias;   // d
  std::vector<float> ffn_up, ffn_up_bias;               // 4d x d, 4d
  std::vector<float> ffn_down, ffn_down_bias;           // d x 4d, d
  std::vector<float> ffn_norm_scale, ffn_norm_bias;     // d
};

struct TransformerWeights {
  TransformerConfig config;
  std::vector<float> token_embedding;  // vocab x d
  std::vector<LayerWeights> layers;
  std::vector<float> output, output_bias;  // vocab x d, vocab
};

// What a weights file says about its training, stored as lmzip.training.* metadata.
struct TrainingInfo {
  std::string corpus;       // description of the training text
  uint64_t steps = 0;
  uint64_t tokens = 0;      // symbols (bytes or token ids) seen in training
  double validation_bpb = 0;  // held-out bits per original byte
};

// Tensor names (GGUF, llama.cpp style) in a fixed order: token_embd.weight,
// blk.N.{attn_q,attn_k,attn_v,attn_output}.weight, blk.N.attn_norm.{weight,bias},
// blk.N.ffn_up.{weight,bias}, blk.N.ffn_down.{weight,bias}, blk.N.ffn_norm.{weight,bias},
// output.weight, output.bias. Pointers refer into `w`.
struct NamedTensor {
  std::string name;
  std::vector<uint64_t> dims;  // GGUF order (fastest first)
  std::vector<float>* values;
};
std::vector<NamedTensor> ListTensors(TransformerWeights& w);

// Allocates every tensor of `config` (zeros).
TransformerWeights AllocateWeights(const TransformerConfig& config);

// Builds the GGUF form: metadata (general.architecture = "lmzip-transformer",
// <arch>.context_length, .embedding_length, .block_count, .head_count,
// .feed_forward_length, .vocab_size, .rope.freq_base, .attention.layer_norm_epsilon,
// lmzip.training.*) and every tensor in `type`.
GgufFile ToGguf(const TransformerWeights& weights, const TrainingInfo& info, GgufType type,
                const std::string& name);

// Reads and validates a transformer from a parsed GGUF file.
Result<TransformerWeights> FromGguf(const GgufFile& file);

}  // namespace lmzip::nn
