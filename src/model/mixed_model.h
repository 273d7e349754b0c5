// The "cm+tf" family: the context-mixing model and a transformer, mixed bit by bit.
// The transformer's byte distribution becomes a bit probability at every node of the
// byte's bit tree; a small gated mixer (weight sets chosen by the bit position and
// the transformer's confidence) weighs it against the context-mixing model's. The context-mixing model learns the
// input as it goes; the transformer brings what it learnt in training.
#pragma once

#include <memory>

#include "lmzip/model.h"

namespace lmzip {

// Bumped whenever the mixed model's predictions change (its own part, not the
// context-mixing model's, whose version is recorded alongside).
inline constexpr int kMixedModelVersion = 1;

// spec.level is the context-mixing level; spec.weights_path the transformer's GGUF.
Result<std::unique_ptr<Predictor>> NewMixedModel(const ModelSpec& spec);

}  // namespace lmzip
