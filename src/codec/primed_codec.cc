#include "codec/primed_codec.h"

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "codec/model_codec.h"
#include "lmzip/model.h"
#include "model/cm.h"

namespace lmzip {
namespace {

constexpr std::string_view kPrefix = "lmzip-cm-";
constexpr std::string_view kSuffix = "-primed";

class PrimedCodec final : public Codec {
 public:
  PrimedCodec(ModelSpec spec, uint64_t weights_bytes)
      : inner_(std::move(spec)), weights_bytes_(weights_bytes) {}

  std::string name() const override { return inner_.name() + std::string(kSuffix); }
  Result<std::vector<uint8_t>> Compress(std::span<const uint8_t> input) const override {
    return inner_.Compress(input);
  }
  Result<std::vector<uint8_t>> Decompress(std::span<const uint8_t> input,
                                          size_t original_size) const override {
    return inner_.Decompress(input, original_size);
  }
  uint64_t side_bytes() const override { return weights_bytes_; }

 private:
  ModelCodec inner_;
  uint64_t weights_bytes_;
};

}  // namespace

std::string PrimedWeightsPath(int level) {
  const char* dir = std::getenv("LMZIP_MODELS_DIR");
  const std::filesystem::path base = dir != nullptr && *dir != '\0' ? dir : "models";
  return (base / ("cm-" + std::to_string(level) + "-primed.lmzw")).string();
}

Result<std::unique_ptr<Codec>> NewPrimedCodec(std::string_view name) {
  if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) {
    return Status::InvalidArgument("'" + std::string(name) + "' is not lmzip-cm-<level>-primed");
  }
  const std::string_view digits = name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
  ModelSpec spec;
  spec.name = "cm";
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), spec.level);
  if (ec != std::errc() || end != digits.data() + digits.size() || spec.level < 1 || spec.level > 9) {
    return Status::InvalidArgument("'" + std::string(name) + "' needs a level 1..9");
  }
  spec.weights_path = PrimedWeightsPath(spec.level);
  std::error_code size_error;
  const uint64_t bytes = std::filesystem::file_size(spec.weights_path, size_error);
  if (size_error) {
    return Status::NotSupported(std::string(name) + " needs " + spec.weights_path + " (make it with: lmzip prime --level " +
                                std::to_string(spec.level) + " -o " + spec.weights_path + " CORPUS...)");
  }
  // Loads and checks the file once, so that a damaged one fails here.
  LMZIP_ASSIGN_OR_RETURN(uint64_t hash, ContextMixingWeightsHash(spec.weights_path));
  (void)hash;
  return std::unique_ptr<Codec>(std::make_unique<PrimedCodec>(std::move(spec), bytes));
}

}  // namespace lmzip
