#include "codec/registry.h"

#include <charconv>

#include "codec/baseline_codecs.h"
#include "codec/model_codec.h"
#include "codec/primed_codec.h"
#include "lmzip/model.h"
#include "model/transformer_model.h"

namespace lmzip {
namespace {

constexpr std::string_view kModelPrefix = "lmzip-";

std::string JoinNames(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

// "lmzip-cm-9" -> ModelSpec{"cm", 9}.
Result<ModelSpec> ParseModelCodecName(std::string_view name) {
  const std::string_view rest = name.substr(kModelPrefix.size());
  const size_t dash = rest.rfind('-');
  if (dash == std::string_view::npos || dash == 0) {
    return Status::InvalidArgument("model codec '" + std::string(name) +
                                   "' must be lmzip-<model>-<level>");
  }
  ModelSpec spec;
  spec.name = std::string(rest.substr(0, dash));
  const std::string_view level = rest.substr(dash + 1);
  const auto [end, ec] = std::from_chars(level.data(), level.data() + level.size(), spec.level);
  if (ec != std::errc() || end != level.data() + level.size()) {
    return Status::InvalidArgument("model codec '" + std::string(name) + "' has no numeric level");
  }
  return spec;
}

}  // namespace

Result<std::unique_ptr<Codec>> CreateCodec(std::string_view name, const CodecOptions& options) {
  if (name == "gzip") return NewGzipCodec(9);
  if (name == "lzma2") return NewXzCodec(6, false);
  if (name == "lzma2-9e") return NewXzCodec(9, true);
  if (name == "zstd") return NewZstdCodec(19);
  if (name == "brotli") return NewBrotliCodec(11, 24);
  if (name == "bzip2") return NewBzip2Codec(9);
  if (name == "png") return NewPngCodec();
  if (name == "flac") {
    if (options.sample_rate == 0) return Status::InvalidArgument("flac: sample rate must be > 0");
    return NewFlacCodec(options.sample_rate);
  }
  if (const size_t plus = name.find("+cm-"); name.starts_with("tf-") && plus != std::string_view::npos) {
    // "tf-200k+cm-6": models/tf-200k.gguf mixed with the level-6 context-mixing model.
    ModelSpec spec;
    spec.name = "cm+tf";
    const std::string_view level = name.substr(plus + 4);
    const auto [end, ec] = std::from_chars(level.data(), level.data() + level.size(), spec.level);
    if (ec != std::errc() || end != level.data() + level.size()) {
      return Status::InvalidArgument("codec '" + std::string(name) + "' must be tf-<shape>+cm-<level>");
    }
    spec.weights_path = DefaultModelsDir() + "/" + std::string(name.substr(0, plus)) + ".gguf";
    LMZIP_ASSIGN_OR_RETURN(LoadedTransformer loaded, LoadTransformer(spec.weights_path));
    LMZIP_ASSIGN_OR_RETURN(std::unique_ptr<Predictor> probe, CreateModel(spec));
    (void)probe;
    return std::unique_ptr<Codec>(std::make_unique<ModelCodec>(std::move(spec), std::string(name),
                                                                loaded.model->parameter_count()));
  }
  if (name.starts_with("tf-")) {  // models/tf-<shape>.gguf, or under $LMZIP_MODELS_DIR
    LMZIP_ASSIGN_OR_RETURN(std::unique_ptr<TransformerCodec> codec,
                           NewTransformerCodec(std::string(name)));
    return std::unique_ptr<Codec>(std::move(codec));
  }
  if (name.starts_with("lmzip-cm-") && name.ends_with("-primed")) return NewPrimedCodec(name);
  if (name.starts_with(kModelPrefix)) {
    LMZIP_ASSIGN_OR_RETURN(ModelSpec spec, ParseModelCodecName(name));
    // Fails early, with the model's own message, on an unknown family or level.
    LMZIP_ASSIGN_OR_RETURN(std::unique_ptr<Predictor> probe, CreateModel(spec));
    (void)probe;
    return std::unique_ptr<Codec>(std::make_unique<ModelCodec>(std::move(spec)));
  }
  return Status::InvalidArgument("unknown codec '" + std::string(name) +
                                 "' (known: " + JoinNames(BaselineCodecNames()) +
                                 ", lmzip-<model>-<level>)");
}

std::vector<std::string> BaselineCodecNames() {
  return {"gzip", "lzma2", "lzma2-9e", "zstd", "brotli", "bzip2", "png", "flac"};
}

std::vector<std::string> CodecNames() {
  std::vector<std::string> names = BaselineCodecNames();
  for (const std::string& model : ModelNames()) {
    for (int level = 1; level <= 9; ++level) {
      const std::string name = "lmzip-" + model + "-" + std::to_string(level);
      if (CreateModel(ModelSpec{model, level, ""}).ok()) names.push_back(name);
    }
  }
  return names;
}

std::vector<std::string> DefaultBenchCodecNames() {
  std::vector<std::string> names = BaselineCodecNames();
  for (const char* n : {"lmzip-cm-1", "lmzip-cm-6", "lmzip-cm-9", "lmzip-order0-1"}) {
    names.emplace_back(n);
  }
  return names;
}

bool CountsHeaderOnce(std::string_view name) {
  return !name.starts_with(kModelPrefix) && !name.starts_with("tf-");  // tf-*+cm-* too
}

}  // namespace lmzip
