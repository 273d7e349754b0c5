// The transformer of nn/transformer_weights.h as a libtorch module, for training and
// for checking lmzip's own inference engine against libtorch's forward pass.
#pragma once

#include <torch/torch.h>

#include "nn/transformer_weights.h"

namespace lmzip::train {

struct TorchBlockImpl : torch::nn::Module {
  explicit TorchBlockImpl(const nn::TransformerConfig& c);
  // x: [batch, time, width]; cos/sin: [time, head_width/2].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin);

  nn::TransformerConfig config;
  torch::nn::Linear attn_q{nullptr}, attn_k{nullptr}, attn_v{nullptr}, attn_out{nullptr};
  torch::nn::LayerNorm attn_norm{nullptr};
  torch::nn::Linear ffn_up{nullptr}, ffn_down{nullptr};
  torch::nn::LayerNorm ffn_norm{nullptr};
};
TORCH_MODULE(TorchBlock);

struct TorchTransformerImpl : torch::nn::Module {
  explicit TorchTransformerImpl(const nn::TransformerConfig& c);
  // inputs: [batch, time] int64 symbols (the input at t is symbol t-1, 0 first).
  // Returns logits [batch, time, vocab].
  torch::Tensor forward(const torch::Tensor& inputs);

  nn::TransformerConfig config;
  torch::nn::Embedding token_embedding{nullptr};
  std::vector<TorchBlock> blocks;
  torch::nn::Linear output{nullptr};
  torch::Tensor rope_cos, rope_sin;  // [context, head_width/2], not trained
};
TORCH_MODULE(TorchTransformer);

// Copies parameters between the module and lmzip's weight layout (same shapes).
nn::TransformerWeights ExportWeights(TorchTransformer& model);
void ImportWeights(const nn::TransformerWeights& w, TorchTransformer& model);

}  // namespace lmzip::train
