#include "nn/transformer.h"

#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>

#include "nn/det_math.h"
#include "nn/gguf.h"

namespace lmzip::nn {
namespace {

// Row-major rows x cols -> cols x rows.
std::vector<float> Transpose(const std::vector<float>& m, size_t rows, size_t cols) {
  std::vector<float> t(m.size());
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c) t[c * rows + r] = m[r * cols + c];
  }
  return t;
}

// Rotates one head's vector in place: (x1, x2) -> (x1 cos - x2 sin, x2 cos + x1 sin).
void Rotate(float* x, const float* cos, const float* sin, size_t half) {
  for (size_t i = 0; i < half; ++i) {
    const float x1 = x[i], x2 = x[i + half];
    x[i] = x1 * cos[i] - x2 * sin[i];
    x[i + half] = x2 * cos[i] + x1 * sin[i];
  }
}

bool AllFinite(const std::vector<float>& v) {
  for (float f : v) {
    if (!std::isfinite(f)) return false;
  }
  return true;
}

}  // namespace

Transformer::Transformer(TransformerWeights weights) : config_(weights.config), w_(std::move(weights)) {
  const size_t d = static_cast<size_t>(config_.width);
  const size_t f = static_cast<size_t>(config_.ffn_width());
  for (LayerWeights& L : w_.layers) {
    // Q, K and V share one matrix-matrix product: columns [q | k | v].
    std::vector<float> qkv;
    qkv.reserve(3 * d * d);
    qkv.insert(qkv.end(), L.attn_q.begin(), L.attn_q.end());
    qkv.insert(qkv.end(), L.attn_k.begin(), L.attn_k.end());
    qkv.insert(qkv.end(), L.attn_v.begin(), L.attn_v.end());
    L.attn_q = Transpose(qkv, 3 * d, d);
    L.attn_k.clear();
    L.attn_v.clear();
    L.attn_out = Transpose(L.attn_out, d, d);
    L.ffn_up = Transpose(L.ffn_up, f, d);
    L.ffn_down = Transpose(L.ffn_down, d, f);
  }
  w_.output = Transpose(w_.output, static_cast<size_t>(config_.vocab), d);
  RotaryTables(config_.context, config_.head_width(), config_.rope_base, &rope_cos_, &rope_sin_);
}

Result<std::shared_ptr<const Transformer>> Transformer::FromBytes(std::span<const uint8_t> gguf) {
  LMZIP_ASSIGN_OR_RETURN(GgufFile file, ParseGguf(gguf));
  LMZIP_ASSIGN_OR_RETURN(TransformerWeights weights, FromGguf(file));
  for (NamedTensor& t : ListTensors(weights)) {
    if (!AllFinite(*t.values)) return Status::Corruption("GGUF tensor '" + t.name + "' is not finite");
  }
  return std::shared_ptr<const Transformer>(std::make_shared<Transformer>(std::move(weights)));
}

Result<std::shared_ptr<const Transformer>> Transformer::Load(const std::string& path, uint64_t* hash) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError(path + ": cannot open weights file");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::IOError(path + ": read error");
  if (hash != nullptr) *hash = XXH64(bytes.data(), bytes.size(), 0);
  auto model = FromBytes(bytes);
  if (!model.ok()) return model.status().WithContext(path);
  return model;
}

std::unique_ptr<TransformerState> Transformer::NewState() const {
  auto s = std::make_unique<TransformerState>();
  const size_t per_layer = static_cast<size_t>(config_.width) * static_cast<size_t>(config_.context);
  s->keys_.assign(static_cast<size_t>(config_.layers), std::vector<float>(per_layer));
  s->values_.assign(static_cast<size_t>(config_.layers), std::vector<float>(per_layer));
  return s;
}

void Transformer::Evaluate(std::span<const Request> requests, KernelIsa isa) const {
  const size_t d = static_cast<size_t>(config_.width);
  const size_t f = static_cast<size_t>(config_.ffn_width());
  const size_t heads = static_cast<size_t>(config_.heads);
  const size_t hw = static_cast<size_t>(config_.head_width());
  const size_t half = hw / 2;
  const size_t ctx = static_cast<size_t>(config_.context);
  const size_t vocab = static_cast<size_t>(config_.vocab);
  const float scale = 1.0f / std::sqrt(static_cast<float>(hw));
  auto count = [](const Request& req) { return req.tokens.empty() ? req.inputs.size() : req.tokens.size(); };

  // Row r belongs to request row_req[r] at position row_pos[r].
  std::vector<size_t> row_req, row_pos;
  for (size_t q = 0; q < requests.size(); ++q) {
    const size_t start = static_cast<size_t>(requests[q].state->position_);
    for (size_t k = 0; k < count(requests[q]); ++k) {
      row_req.push_back(q);
      row_pos.push_back(start + k);
    }
  }
  const size_t rows = row_req.size();
  if (rows == 0) return;
  std::vector<float> x(rows * d), qkv(rows * 3 * d), attn(rows * d), hidden(rows * f);
  std::vector<float> scratch(ctx);
  {
    size_t r = 0;
    for (const Request& req : requests) {
      for (uint8_t b : req.inputs) {
        if (!req.tokens.empty()) break;
        std::copy_n(w_.token_embedding.data() + b * d, d, x.data() + r * d);
        ++r;
      }
      for (uint32_t t : req.tokens) {
        std::copy_n(w_.token_embedding.data() + t * d, d, x.data() + r * d);
        ++r;
      }
    }
  }
  for (size_t l = 0; l < w_.layers.size(); ++l) {
    const LayerWeights& L = w_.layers[l];
    MatMul(x.data(), rows, d, L.attn_q.data(), 3 * d, nullptr, qkv.data(), isa);
    for (size_t r = 0; r < rows; ++r) {
      float* q = qkv.data() + r * 3 * d;
      float* k = q + d;
      const float* v = q + 2 * d;
      const size_t pos = row_pos[r];
      const float* cos = rope_cos_.data() + pos * half;
      const float* sin = rope_sin_.data() + pos * half;
      TransformerState* s = requests[row_req[r]].state;
      float* keys = s->keys_[l].data();
      for (size_t h = 0; h < heads; ++h) {
        Rotate(q + h * hw, cos, sin, half);
        Rotate(k + h * hw, cos, sin, half);
        float* kt = keys + h * hw * ctx;
        for (size_t j = 0; j < hw; ++j) kt[j * ctx + pos] = k[h * hw + j];
      }
      std::copy_n(v, d, s->values_[l].data() + pos * d);
    }
    for (size_t r = 0; r < rows; ++r) {
      const float* q = qkv.data() + r * 3 * d;
      TransformerState* s = requests[row_req[r]].state;
      for (size_t h = 0; h < heads; ++h) {
        Attend(q + h * hw, s->keys_[l].data() + h * hw * ctx, ctx, s->values_[l].data() + h * hw, d,
               row_pos[r] + 1, hw, scale, scratch.data(), attn.data() + r * d + h * hw, isa);
      }
    }
    MatMul(attn.data(), rows, d, L.attn_out.data(), d, nullptr, qkv.data(), isa);
    AddLayerNorm(x.data(), qkv.data(), rows, d, L.attn_norm_scale.data(), L.attn_norm_bias.data(),
                 config_.layer_norm_eps, isa);
    MatMul(x.data(), rows, d, L.ffn_up.data(), f, L.ffn_up_bias.data(), hidden.data(), isa);
    GeluInPlace(hidden.data(), rows * f, isa);
    MatMul(hidden.data(), rows, f, L.ffn_down.data(), d, L.ffn_down_bias.data(), qkv.data(), isa);
    AddLayerNorm(x.data(), qkv.data(), rows, d, L.ffn_norm_scale.data(), L.ffn_norm_bias.data(),
                 config_.layer_norm_eps, isa);
  }
  // Output rows: all, or the last of each request, gathered contiguously.
  size_t r = 0;
  size_t gathered = 0;
  std::vector<float*> targets;
  for (const Request& req : requests) {
    const size_t n = count(req);
    if (req.last_only) {
      if (n > 0) {
        std::copy_n(x.data() + (r + n - 1) * d, d, attn.data() + gathered * d);
        targets.push_back(req.logits);
        ++gathered;
      }
    } else {
      std::copy_n(x.data() + r * d, n * d, attn.data() + gathered * d);
      for (size_t k = 0; k < n; ++k) targets.push_back(req.logits + k * vocab);
      gathered += n;
    }
    r += n;
    req.state->position_ += static_cast<int>(n);
  }
  std::vector<float> logits(gathered * vocab);
  MatMul(attn.data(), gathered, d, w_.output.data(), vocab, w_.output_bias.data(), logits.data(), isa);
  for (size_t g = 0; g < gathered; ++g) {
    std::copy_n(logits.data() + g * vocab, vocab, targets[g]);
  }
}

namespace {

// LogitsToCdf with caller-provided scratch: e (vocab floats), w (vocab), freq (vocab).
void LogitsToCdfWith(const float* logits, int vocab, int total_bits, uint32_t* cdf, float* e, uint64_t* w,
                     uint32_t* freq, KernelIsa isa) {
  const uint64_t kTotal = uint64_t{1} << total_bits;
  const uint64_t kSpare = kTotal - static_cast<uint64_t>(vocab);
  const size_t n = static_cast<size_t>(vocab);
  float max = logits[0];
  for (int b = 1; b < vocab; ++b) max = logits[b] > max ? logits[b] : max;
  for (int b = 0; b < vocab; ++b) e[b] = logits[b] - max;
  ExpInPlace(e, n, isa);
  const float sum = ReduceSum(e, n, isa);
  const float to_int = 16777216.0f / sum;
  uint64_t total = 0;
  int top = 0;
  for (int b = 0; b < vocab; ++b) {
    float v = e[b] * to_int;
    if (!(v >= 0.0f)) v = 0.0f;
    if (v > 16777216.0f) v = 16777216.0f;
    w[b] = static_cast<uint64_t>(v);
    total += w[b];
    if (w[b] > w[top]) top = b;
  }
  if (total == 0) {
    for (int b = 0; b < vocab; ++b) w[b] = 1;
    total = static_cast<uint64_t>(vocab);
  }
  // w[b] <= 2^24 and kSpare < 2^24: the product fits in 64 bits.
  uint64_t assigned = 0;
  for (int b = 0; b < vocab; ++b) {
    freq[b] = static_cast<uint32_t>(1 + w[b] * kSpare / total);
    assigned += freq[b];
  }
  freq[top] += static_cast<uint32_t>(kTotal - assigned);
  cdf[0] = 0;
  for (int b = 0; b < vocab; ++b) cdf[b + 1] = cdf[b] + freq[b];
}

}  // namespace

void LogitsToCdf(const float* logits, uint32_t* cdf, KernelIsa isa) {
  float e[kVocabSize];
  uint64_t w[kVocabSize];
  uint32_t freq[kVocabSize];
  LogitsToCdfWith(logits, kVocabSize, 16, cdf, e, w, freq, isa);
}

void LogitsToCdf(const float* logits, int vocab, int total_bits, uint32_t* cdf, KernelIsa isa) {
  std::vector<float> e(static_cast<size_t>(vocab));
  std::vector<uint64_t> w(static_cast<size_t>(vocab));
  std::vector<uint32_t> freq(static_cast<size_t>(vocab));
  LogitsToCdfWith(logits, vocab, total_bits, cdf, e.data(), w.data(), freq.data(), isa);
}

int CdfBitsForVocab(int vocab) { return vocab <= kVocabSize ? 16 : 24; }

void LogSoftmax(const float* logits, double* out) { LogSoftmax(logits, kVocabSize, out); }

void LogSoftmax(const float* logits, int vocab, double* out) {
  double max = logits[0];
  for (int b = 1; b < vocab; ++b) max = std::max(max, static_cast<double>(logits[b]));
  double sum = 0;
  for (int b = 0; b < vocab; ++b) sum += std::exp(static_cast<double>(logits[b]) - max);
  const double log_sum = std::log(sum) + max;
  for (int b = 0; b < vocab; ++b) out[b] = static_cast<double>(logits[b]) - log_sum;
}

}  // namespace lmzip::nn
