// The context-mixing model started from a primed state ("lmzip-cm-<level>-primed"):
// each input is coded by a copy of the model trained by `lmzip prime`, so that short
// chunks start warm. The weights file is part of what the decoder needs, so its size
// is the codec's side_bytes() and counts in the adjusted rate.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "lmzip/codec.h"

namespace lmzip {

// Where "lmzip-cm-<level>-primed" finds its weights: $LMZIP_MODELS_DIR, else
// ./models, then cm-<level>-primed.lmzw.
std::string PrimedWeightsPath(int level);

// REQUIRES: `name` is "lmzip-cm-<level>-primed". NotSupported when the weights file
// is missing (with the command that makes it), Corruption when it is damaged.
Result<std::unique_ptr<Codec>> NewPrimedCodec(std::string_view name);

}  // namespace lmzip
