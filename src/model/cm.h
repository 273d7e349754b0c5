// The context-mixing model: lmzip's default predictor.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "lmzip/model.h"

namespace lmzip {

// Bumped whenever the model's predictions change (see ModelVersion).
inline constexpr int kContextMixingVersion = 13;

// Creates the context-mixing model at `level` (1..9), or nullptr when out of memory.
// Memory grows with the level.
std::unique_ptr<Predictor> NewContextMixingModel(int level);

// Creates the model for `spec`: tables sized by spec.input_size when it is known,
// started from the primed state in spec.weights_path when one is named (a weights
// file made by PrimeContextMixingModel for the same level; loaded once per process).
Result<std::unique_ptr<Predictor>> NewContextMixingModel(const ModelSpec& spec);

// Trains a fresh level-`level` model on `corpus` and returns its state as a weights
// file (versioned, zstd-compressed, ending in an XXH64 of its bytes).
Result<std::vector<uint8_t>> PrimeContextMixingModel(int level, std::span<const uint8_t> corpus);

// The hash a .lmz header records for the weights file at `path` (its final XXH64),
// after checking that the file is whole and made by this model version.
Result<uint64_t> ContextMixingWeightsHash(const std::string& path);

// Bytes of memory the model at `level` allocates (stated in --help).
size_t ContextMixingMemory(int level);

}  // namespace lmzip
