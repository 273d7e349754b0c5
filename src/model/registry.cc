#include <algorithm>
#include <memory>

#include "lmzip/model.h"
#include "model/cm.h"
#include "model/mixed_model.h"
#include "model/order0.h"
#include "model/transformer_model.h"

namespace lmzip {

Result<std::unique_ptr<Predictor>> CreateModel(const ModelSpec& spec) {
  if (spec.level < 1 || spec.level > 9) {
    return Status::InvalidArgument("model level must be 1..9, got " + std::to_string(spec.level));
  }
  if (spec.name == "cm") return NewContextMixingModel(spec);
  if (spec.name == "order0") return std::unique_ptr<Predictor>(std::make_unique<Order0Model>());
  if (spec.name == "tf") return NewTransformerPredictor(spec);
  if (spec.name == "cm+tf") return NewMixedModel(spec);
  return Status::InvalidArgument("unknown model '" + spec.name + "' (known: cm, order0, tf, cm+tf)");
}

int ModelVersion(const std::string& name) {
  if (name == "cm") return kContextMixingVersion;
  if (name == "order0") return 1;
  if (name == "tf") return kTransformerModelVersion;
  // Both parts' predictions: the mixer's own version and the context-mixing model's.
  if (name == "cm+tf") return kMixedModelVersion * 256 + kContextMixingVersion;
  return 0;
}

uint64_t ModelMemoryBound(const ModelSpec& spec) {
  if (spec.name == "cm" || spec.name == "cm+tf") return ContextMixingMemory(std::clamp(spec.level, 1, 9));
  return 0;
}

std::vector<std::string> ModelNames() { return {"cm", "order0", "tf", "cm+tf"}; }

}  // namespace lmzip
