#include <memory>

#include "lmzip/model.h"
#include "model/cm.h"
#include "model/order0.h"

namespace lmzip {

Result<std::unique_ptr<Predictor>> CreateModel(const ModelSpec& spec) {
  if (spec.level < 1 || spec.level > 9) {
    return Status::InvalidArgument("model level must be 1..9, got " + std::to_string(spec.level));
  }
  if (spec.name == "cm") return std::unique_ptr<Predictor>(NewContextMixingModel(spec.level));
  if (spec.name == "order0") return std::unique_ptr<Predictor>(std::make_unique<Order0Model>());
  return Status::InvalidArgument("unknown model '" + spec.name + "' (known: cm, order0)");
}

int ModelVersion(const std::string& name) {
  if (name == "cm") return kContextMixingVersion;
  if (name == "order0") return 1;
  return 0;
}

std::vector<std::string> ModelNames() { return {"cm", "order0"}; }

}  // namespace lmzip
