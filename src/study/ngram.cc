#include "study/ngram.h"

#include <cmath>

namespace lmzip::study {
namespace {

uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

}  // namespace

NgramModel::NgramModel(int order, uint32_t vocabulary) : order_(order), vocabulary_(vocabulary) {}

uint64_t NgramModel::ContextKey(std::span<const uint32_t> seq, size_t pos, int k) {
  uint64_t h = Mix(static_cast<uint64_t>(k) + 0x9E3779B97F4A7C15ull);
  for (int i = 1; i <= k; ++i) h = Mix(h ^ (seq[pos - static_cast<size_t>(i)] + 1));
  return h;
}

uint64_t NgramModel::PairKey(uint64_t context, uint32_t symbol) {
  return Mix(context ^ (uint64_t{symbol} << 1 | 1) * 0x9E3779B97F4A7C15ull);
}

void NgramModel::Train(std::span<const uint32_t> symbols) {
  for (size_t pos = 0; pos < symbols.size(); ++pos) {
    const int top = static_cast<int>(std::min<size_t>(pos, static_cast<size_t>(order_)));
    for (int k = 0; k <= top; ++k) {
      const uint64_t ctx = ContextKey(symbols, pos, k);
      ContextStats& stats = contexts_[ctx];
      uint32_t& count = pairs_[PairKey(ctx, symbols[pos])];
      stats.distinct += count == 0;
      ++count;
      ++stats.total;
    }
  }
}

double NgramModel::CodeLengthBits(std::span<const uint32_t> sequence) const {
  PairCounts seen_pairs;
  ContextCounts seen_contexts;
  std::vector<uint64_t> keys(static_cast<size_t>(order_) + 1);
  double bits = 0;
  for (size_t pos = 0; pos < sequence.size(); ++pos) {
    const uint32_t symbol = sequence[pos];
    const int top = static_cast<int>(std::min<size_t>(pos, static_cast<size_t>(order_)));
    double p = 1.0 / vocabulary_;
    for (int k = 0; k <= top; ++k) {
      const uint64_t ctx = ContextKey(sequence, pos, k);
      keys[static_cast<size_t>(k)] = ctx;
      const uint64_t pair = PairKey(ctx, symbol);
      uint64_t total = 0, distinct = 0, count = 0;
      if (auto it = contexts_.find(ctx); it != contexts_.end()) {
        total += it->second.total;
        distinct += it->second.distinct;
      }
      if (auto it = seen_contexts.find(ctx); it != seen_contexts.end()) {
        total += it->second.total;
        distinct += it->second.distinct;
      }
      if (auto it = pairs_.find(pair); it != pairs_.end()) count += it->second;
      if (auto it = seen_pairs.find(pair); it != seen_pairs.end()) count += it->second;
      if (total == 0) continue;
      p = (static_cast<double>(count) + static_cast<double>(distinct) * p) /
          static_cast<double>(total + distinct);
    }
    bits -= std::log2(p);
    for (int k = 0; k <= top; ++k) {
      const uint64_t ctx = keys[static_cast<size_t>(k)];
      const uint64_t pair = PairKey(ctx, symbol);
      uint32_t& count = seen_pairs[pair];
      // A symbol new to this context in both tables adds to its distinct count.
      const bool new_here = count == 0 && pairs_.find(pair) == pairs_.end();
      ++count;
      ContextStats& stats = seen_contexts[ctx];
      ++stats.total;
      stats.distinct += new_here;
    }
  }
  return bits;
}

}  // namespace lmzip::study
