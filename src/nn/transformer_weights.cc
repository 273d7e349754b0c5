#include "nn/transformer_weights.h"

#include <string>

namespace lmzip::nn {
namespace {

std::string Key(const char* suffix) { return std::string(kTransformerArch) + "." + suffix; }

}  // namespace

uint64_t TransformerConfig::parameter_count() const {
  const uint64_t d = static_cast<uint64_t>(width);
  const uint64_t v = static_cast<uint64_t>(vocab);
  return 2 * v * d + v + static_cast<uint64_t>(layers) * (12 * d * d + 9 * d);
}

Status TransformerConfig::Validate() const {
  if (width < 2 || width > 4096) return Status::InvalidArgument("transformer width must be 2..4096");
  if (layers < 1 || layers > 64) return Status::InvalidArgument("transformer layers must be 1..64");
  if (heads < 1 || width % heads != 0 || head_width() % 2 != 0) {
    return Status::InvalidArgument("transformer heads must divide the width into even head widths");
  }
  if (context < 1 || context > (1 << 16)) return Status::InvalidArgument("context must be 1..65536");
  if (vocab < 2 || vocab > kMaxVocabSize) {
    return Status::InvalidArgument("vocabulary must be 2.." + std::to_string(kMaxVocabSize) + " symbols");
  }
  if (!(rope_base > 1.0f) || !(layer_norm_eps > 0.0f)) {
    return Status::InvalidArgument("rope base must be > 1 and layer norm epsilon > 0");
  }
  return Status::Ok();
}

std::vector<NamedTensor> ListTensors(TransformerWeights& w) {
  const uint64_t d = static_cast<uint64_t>(w.config.width);
  const uint64_t f = static_cast<uint64_t>(w.config.ffn_width());
  const uint64_t v = static_cast<uint64_t>(w.config.vocab);
  std::vector<NamedTensor> list;
  list.push_back({"token_embd.weight", {d, v}, &w.token_embedding});
  for (size_t l = 0; l < w.layers.size(); ++l) {
    LayerWeights& L = w.layers[l];
    const std::string p = "blk." + std::to_string(l) + ".";
    list.push_back({p + "attn_q.weight", {d, d}, &L.attn_q});
    list.push_back({p + "attn_k.weight", {d, d}, &L.attn_k});
    list.push_back({p + "attn_v.weight", {d, d}, &L.attn_v});
    list.push_back({p + "attn_output.weight", {d, d}, &L.attn_out});
    list.push_back({p + "attn_norm.weight", {d}, &L.attn_norm_scale});
    list.push_back({p + "attn_norm.bias", {d}, &L.attn_norm_bias});
    list.push_back({p + "ffn_up.weight", {d, f}, &L.ffn_up});
    list.push_back({p + "ffn_up.bias", {f}, &L.ffn_up_bias});
    list.push_back({p + "ffn_down.weight", {f, d}, &L.ffn_down});
    list.push_back({p + "ffn_down.bias", {d}, &L.ffn_down_bias});
    list.push_back({p + "ffn_norm.weight", {d}, &L.ffn_norm_scale});
    list.push_back({p + "ffn_norm.bias", {d}, &L.ffn_norm_bias});
  }
  list.push_back({"output.weight", {d, v}, &w.output});
  list.push_back({"output.bias", {v}, &w.output_bias});
  return list;
}

TransformerWeights AllocateWeights(const TransformerConfig& config) {
  TransformerWeights w;
  w.config = config;
  w.layers.resize(static_cast<size_t>(config.layers));
  for (NamedTensor& t : ListTensors(w)) {
    uint64_t n = 1;
    for (uint64_t dim : t.dims) n *= dim;
    t.values->assign(n, 0.0f);
  }
  return w;
}

GgufFile ToGguf(const TransformerWeights& weights, const TrainingInfo& info, GgufType type,
                const std::string& name) {
  GgufFile file;
  const TransformerConfig& c = weights.config;
  file.metadata["general.architecture"] = std::string(kTransformerArch);
  file.metadata["general.name"] = name;
  file.metadata["general.file_type"] = uint64_t{type == GgufType::kF32 ? 0u : 1u};
  file.metadata[Key("context_length")] = static_cast<uint64_t>(c.context);
  file.metadata[Key("embedding_length")] = static_cast<uint64_t>(c.width);
  file.metadata[Key("block_count")] = static_cast<uint64_t>(c.layers);
  file.metadata[Key("head_count")] = static_cast<uint64_t>(c.heads);
  file.metadata[Key("feed_forward_length")] = static_cast<uint64_t>(c.ffn_width());
  file.metadata[Key("vocab_size")] = static_cast<uint64_t>(c.vocab);
  file.metadata[Key("rope.freq_base")] = static_cast<double>(c.rope_base);
  file.metadata[Key("attention.layer_norm_epsilon")] = static_cast<double>(c.layer_norm_eps);
  file.metadata["lmzip.training.corpus"] = info.corpus;
  file.metadata["lmzip.training.steps"] = info.steps;
  file.metadata["lmzip.training.tokens"] = info.tokens;
  file.metadata["lmzip.training.validation_bpb"] = info.validation_bpb;
  TransformerWeights copy = weights;
  for (const NamedTensor& t : ListTensors(copy)) {
    file.tensors.push_back(GgufTensor{t.name, t.dims, type, *t.values});
  }
  return file;
}

Result<TransformerWeights> FromGguf(const GgufFile& file) {
  LMZIP_ASSIGN_OR_RETURN(std::string arch, file.GetString("general.architecture"));
  if (arch != kTransformerArch) {
    return Status::NotSupported("GGUF architecture '" + arch + "' is not " + kTransformerArch);
  }
  TransformerConfig c;
  LMZIP_ASSIGN_OR_RETURN(uint64_t width, file.GetUint(Key("embedding_length")));
  LMZIP_ASSIGN_OR_RETURN(uint64_t layers, file.GetUint(Key("block_count")));
  LMZIP_ASSIGN_OR_RETURN(uint64_t heads, file.GetUint(Key("head_count")));
  LMZIP_ASSIGN_OR_RETURN(uint64_t context, file.GetUint(Key("context_length")));
  LMZIP_ASSIGN_OR_RETURN(uint64_t vocab, file.GetUint(Key("vocab_size")));
  LMZIP_ASSIGN_OR_RETURN(uint64_t ffn, file.GetUint(Key("feed_forward_length")));
  LMZIP_ASSIGN_OR_RETURN(double base, file.GetFloat(Key("rope.freq_base")));
  LMZIP_ASSIGN_OR_RETURN(double eps, file.GetFloat(Key("attention.layer_norm_epsilon")));
  if (width > 4096 || layers > 64 || heads > 4096 || context > (1 << 16) || vocab > kMaxVocabSize) {
    return Status::InvalidArgument("GGUF transformer shape is out of range");
  }
  c.width = static_cast<int>(width);
  c.layers = static_cast<int>(layers);
  c.heads = static_cast<int>(heads);
  c.context = static_cast<int>(context);
  c.vocab = static_cast<int>(vocab);
  c.rope_base = static_cast<float>(base);
  c.layer_norm_eps = static_cast<float>(eps);
  LMZIP_RETURN_IF_ERROR(c.Validate());
  if (ffn != static_cast<uint64_t>(c.ffn_width())) {
    return Status::NotSupported("only 4x MLP widening is supported");
  }
  TransformerWeights w = AllocateWeights(c);
  for (NamedTensor& t : ListTensors(w)) {
    const GgufTensor* g = file.FindTensor(t.name);
    if (g == nullptr) return Status::InvalidArgument("GGUF file lacks tensor '" + t.name + "'");
    if (g->dims != t.dims) return Status::InvalidArgument("GGUF tensor '" + t.name + "' has the wrong shape");
    *t.values = g->values;
  }
  return w;
}

}  // namespace lmzip::nn
