// The context-mixing model: lmzip's default predictor.
#pragma once

#include <memory>

#include "lmzip/model.h"

namespace lmzip {

// Bumped whenever the model's predictions change (see ModelVersion).
inline constexpr int kContextMixingVersion = 1;

// Creates the context-mixing model at `level` (1..9). Memory grows with the level.
std::unique_ptr<Predictor> NewContextMixingModel(int level);

// Bytes of memory the model at `level` allocates (stated in --help).
size_t ContextMixingMemory(int level);

}  // namespace lmzip
