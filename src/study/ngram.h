// A trained n-gram model over any alphabet (bytes, or a tokenizer's ids): the
// counts of each symbol after each context of 0..order previous symbols, from a
// training sequence, frozen, plus the counts of the sequence being measured so far
// (in-context learning, reset for every chunk). Orders are blended by Witten-Bell
// interpolation down to the uniform distribution, so every symbol has mass.
//
// Its size, for the adjusted rate, is one parameter (2 bytes) per stored
// (context, symbol) count: the model is its count table.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

namespace lmzip::study {

class NgramModel {
 public:
  // `order`: longest context in symbols (0: symbol frequencies alone).
  // `vocabulary`: number of symbols; every symbol is below it.
  NgramModel(int order, uint32_t vocabulary);

  // Adds the counts of `symbols` (one contiguous sequence) to the frozen table.
  void Train(std::span<const uint32_t> symbols);

  // Stored (context, symbol) counts.
  uint64_t parameters() const { return pairs_.size(); }

  // Ideal code length of `sequence`, in bits: the sum of -log2 P(symbol | history)
  // with the frozen counts plus the sequence's own counts so far. An arithmetic coder
  // driven by the same probabilities writes within 0.1% (plus a few bytes) of it.
  double CodeLengthBits(std::span<const uint32_t> sequence) const;

  int order() const { return order_; }
  uint32_t vocabulary() const { return vocabulary_; }

 private:
  struct ContextStats {
    uint32_t total = 0;     // symbols seen after the context
    uint32_t distinct = 0;  // different symbols seen after it
  };
  using PairCounts = std::unordered_map<uint64_t, uint32_t>;
  using ContextCounts = std::unordered_map<uint64_t, ContextStats>;

  // Hash of the `k` symbols before position `pos` of `seq` (k <= pos), and of a
  // context hash with a symbol.
  static uint64_t ContextKey(std::span<const uint32_t> seq, size_t pos, int k);
  static uint64_t PairKey(uint64_t context, uint32_t symbol);

  int order_;
  uint32_t vocabulary_;
  PairCounts pairs_;
  ContextCounts contexts_;
};

}  // namespace lmzip::study
