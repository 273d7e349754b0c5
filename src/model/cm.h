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
inline constexpr int kContextMixingVersion = 17;

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

// Learns the signal prior (the first layer's starting weights for the bytes the
// signal model predicts) from `corpus` in 2048-byte chunks at level 6, and returns
// it as the C++ source of src/model/cm_signal_prior.inc, whose comment names
// `command` as the one that made it.
Result<std::string> MakeSignalPrior(std::span<const uint8_t> corpus, const std::string& command);

// The built-in signal prior (kSignalPriorValues weights per weight set and group of
// rows, as cm_signal_prior.inc lays them out), and what a fresh level-`level` model
// holds in its rows for signals in that layout (each group's mean row; empty at
// levels without such rows). For tests.
std::vector<int16_t> BuiltInSignalPrior();
std::vector<int16_t> FreshSignalPrior(int level);

// The hash a .lmz header records for the weights file at `path` (its final XXH64),
// after checking that the file is whole and made by this model version.
Result<uint64_t> ContextMixingWeightsHash(const std::string& path);

// Bytes of memory the model at `level` allocates (stated in --help).
size_t ContextMixingMemory(int level);

}  // namespace lmzip
