// Compressors as generative models (the paper's section 3.4 / finding 4): condition a
// model on real data and let it continue, for text, images and audio.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "data/dataset.h"
#include "generate/next_byte.h"
#include "generate/sampler.h"

namespace lmzip::generate {

// Feeds `context` to `model`, then draws `count` bytes. Returns the drawn bytes.
Result<std::vector<uint8_t>> ContinueBytes(NextByteModel& model, std::span<const uint8_t> context,
                                           size_t count, Sampler& sampler);

// Row completion: for each row of `image` in order, the model sees the row's first
// width/2 pixels (the original) and draws the rest; what it drew stays in its history,
// so later rows are conditioned on the original left halves and its own right halves.
// Returns an image of the same size: original left halves, drawn right halves.
Result<GrayImage> CompleteRows(NextByteModel& model, const GrayImage& image, Sampler& sampler);

}  // namespace lmzip::generate
