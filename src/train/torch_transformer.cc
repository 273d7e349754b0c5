#include "train/torch_transformer.h"

#include <cmath>

#include "nn/det_math.h"

namespace lmzip::train {
namespace {

torch::nn::Linear MakeLinear(int in, int out, bool bias) {
  return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(bias));
}

torch::Tensor Rotate(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  const int64_t half = x.size(-1) / 2;
  const torch::Tensor x1 = x.narrow(-1, 0, half);
  const torch::Tensor x2 = x.narrow(-1, half, half);
  return torch::cat({x1 * cos - x2 * sin, x2 * cos + x1 * sin}, -1);
}

void CopyInto(const std::vector<float>& from, torch::Tensor to) {
  torch::NoGradGuard guard;
  to.copy_(torch::from_blob(const_cast<float*>(from.data()), to.sizes(), torch::kFloat32));
}

void CopyOut(const torch::Tensor& from, std::vector<float>* to) {
  const torch::Tensor c = from.detach().contiguous().to(torch::kFloat32);
  to->assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

}  // namespace

TorchBlockImpl::TorchBlockImpl(const nn::TransformerConfig& c) : config(c) {
  const int d = c.width;
  attn_q = register_module("attn_q", MakeLinear(d, d, false));
  attn_k = register_module("attn_k", MakeLinear(d, d, false));
  attn_v = register_module("attn_v", MakeLinear(d, d, false));
  attn_out = register_module("attn_out", MakeLinear(d, d, false));
  attn_norm = register_module(
      "attn_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d}).eps(c.layer_norm_eps)));
  ffn_up = register_module("ffn_up", MakeLinear(d, c.ffn_width(), true));
  ffn_down = register_module("ffn_down", MakeLinear(c.ffn_width(), d, true));
  ffn_norm = register_module(
      "ffn_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d}).eps(c.layer_norm_eps)));
}

torch::Tensor TorchBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& cos,
                                      const torch::Tensor& sin) {
  const int64_t b = x.size(0), t = x.size(1);
  const int64_t h = config.heads, hw = config.head_width();
  auto heads = [&](const torch::Tensor& y) { return y.view({b, t, h, hw}).transpose(1, 2); };
  const torch::Tensor q = Rotate(heads(attn_q(x)), cos, sin);
  const torch::Tensor k = Rotate(heads(attn_k(x)), cos, sin);
  const torch::Tensor v = heads(attn_v(x));
  const float scale = 1.0f / std::sqrt(static_cast<float>(hw));
  torch::Tensor scores = torch::matmul(q, k.transpose(-2, -1)) * scale;
  const torch::Tensor mask =
      torch::ones({t, t}, torch::TensorOptions().dtype(torch::kBool).device(x.device())).triu(1);
  scores = scores.masked_fill(mask, -std::numeric_limits<float>::infinity());
  const torch::Tensor att = torch::matmul(torch::softmax(scores, -1), v);
  const torch::Tensor merged = att.transpose(1, 2).contiguous().view({b, t, h * hw});
  torch::Tensor y = attn_norm(x + attn_out(merged));
  return ffn_norm(y + ffn_down(torch::gelu(ffn_up(y), "tanh")));
}

TorchTransformerImpl::TorchTransformerImpl(const nn::TransformerConfig& c) : config(c) {
  token_embedding = register_module("token_embedding", torch::nn::Embedding(c.vocab, c.width));
  for (int l = 0; l < c.layers; ++l) {
    blocks.push_back(register_module("block" + std::to_string(l), TorchBlock(c)));
  }
  output = register_module("output", MakeLinear(c.width, c.vocab, true));
  std::vector<float> cos, sin;
  nn::RotaryTables(c.context, c.head_width(), c.rope_base, &cos, &sin);
  const int64_t half = c.head_width() / 2;
  rope_cos = register_buffer("rope_cos", torch::from_blob(cos.data(), {c.context, half}).clone());
  rope_sin = register_buffer("rope_sin", torch::from_blob(sin.data(), {c.context, half}).clone());
  // Small initial weights keep the post-LN residual stream stable early in training.
  torch::NoGradGuard guard;
  for (auto& p : named_parameters()) {
    if (p.key().find("norm") != std::string::npos) continue;
    if (p.key().ends_with("bias")) {
      p.value().zero_();
    } else {
      p.value().normal_(0.0, 0.02);
    }
  }
}

torch::Tensor TorchTransformerImpl::forward(const torch::Tensor& inputs) {
  const int64_t t = inputs.size(1);
  const torch::Tensor cos = rope_cos.narrow(0, 0, t);
  const torch::Tensor sin = rope_sin.narrow(0, 0, t);
  torch::Tensor h = token_embedding(inputs);
  for (TorchBlock& block : blocks) h = block->forward(h, cos, sin);
  return output(h);
}

nn::TransformerWeights ExportWeights(TorchTransformer& model) {
  nn::TransformerWeights w = nn::AllocateWeights(model->config);
  CopyOut(model->token_embedding->weight, &w.token_embedding);
  for (size_t l = 0; l < w.layers.size(); ++l) {
    TorchBlock& b = model->blocks[l];
    nn::LayerWeights& L = w.layers[l];
    CopyOut(b->attn_q->weight, &L.attn_q);
    CopyOut(b->attn_k->weight, &L.attn_k);
    CopyOut(b->attn_v->weight, &L.attn_v);
    CopyOut(b->attn_out->weight, &L.attn_out);
    CopyOut(b->attn_norm->weight, &L.attn_norm_scale);
    CopyOut(b->attn_norm->bias, &L.attn_norm_bias);
    CopyOut(b->ffn_up->weight, &L.ffn_up);
    CopyOut(b->ffn_up->bias, &L.ffn_up_bias);
    CopyOut(b->ffn_down->weight, &L.ffn_down);
    CopyOut(b->ffn_down->bias, &L.ffn_down_bias);
    CopyOut(b->ffn_norm->weight, &L.ffn_norm_scale);
    CopyOut(b->ffn_norm->bias, &L.ffn_norm_bias);
  }
  CopyOut(model->output->weight, &w.output);
  CopyOut(model->output->bias, &w.output_bias);
  return w;
}

void ImportWeights(const nn::TransformerWeights& w, TorchTransformer& model) {
  CopyInto(w.token_embedding, model->token_embedding->weight);
  for (size_t l = 0; l < w.layers.size(); ++l) {
    TorchBlock& b = model->blocks[l];
    const nn::LayerWeights& L = w.layers[l];
    CopyInto(L.attn_q, b->attn_q->weight);
    CopyInto(L.attn_k, b->attn_k->weight);
    CopyInto(L.attn_v, b->attn_v->weight);
    CopyInto(L.attn_out, b->attn_out->weight);
    CopyInto(L.attn_norm_scale, b->attn_norm->weight);
    CopyInto(L.attn_norm_bias, b->attn_norm->bias);
    CopyInto(L.ffn_up, b->ffn_up->weight);
    CopyInto(L.ffn_up_bias, b->ffn_up->bias);
    CopyInto(L.ffn_down, b->ffn_down->weight);
    CopyInto(L.ffn_down_bias, b->ffn_down->bias);
    CopyInto(L.ffn_norm_scale, b->ffn_norm->weight);
    CopyInto(L.ffn_norm_bias, b->ffn_norm->bias);
  }
  CopyInto(w.output, model->output->weight);
  CopyInto(w.output_bias, model->output->bias);
}

}  // namespace lmzip::train
