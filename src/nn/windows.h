// The context policy of a transformer run over a sequence longer than its context, in
// one place for the coder's batched passes and the trainer's validation (the one-at-a-
// time predictor, WindowedSequence in src/model/transformer_model.h, follows the same
// rule step by step, and tests hold the two to the same bytes).
//
// A sequence starts at position 0 with input 0. When `context` positions are used, the
// model restarts on input 0 followed by the last context/2 - 1 symbols, and goes on
// with the symbol after them; so each window after the first re-reads context/2
// symbols whose predictions were already coded, and codes the next context - context/2.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace lmzip::nn {

// One pass of the model: rows 0..rows-1 have inputs 0, s[start], ..., s[start+rows-2],
// and row r predicts s[start + r]; rows before `skip` only rebuild the context.
struct SequenceWindow {
  size_t start = 0;
  size_t skip = 0;
  size_t rows = 0;
};

// The windows that code a sequence of `length` symbols, in order.
// REQUIRES: context >= 2.
inline std::vector<SequenceWindow> PlanWindows(size_t length, size_t context) {
  std::vector<SequenceWindow> plan;
  const size_t keep = context / 2, step = context - keep;
  for (size_t start = 0, skip = 0; start + skip < length; start += step, skip = keep) {
    plan.push_back({start, skip, std::min(context, length - start)});
  }
  return plan;
}

}  // namespace lmzip::nn
