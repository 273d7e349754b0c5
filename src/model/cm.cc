// The context-mixing model. Per bit: each context's bit history (looked up in a
// hashed slot table once per nibble) is mapped to a probability by an adaptive
// StateMap; those, a match model and an order-0 map are stretched and mixed by a
// two-layer gated logistic mixer; APM stages refine the result.
#include "model/cm.h"

#include <algorithm>
#include <cstdlib>
#include <array>
#include <cstring>
#include <vector>

#include "model/cm_components.h"
#include "model/cm_match.h"
#include "model/cm_tables.h"

namespace lmzip {
namespace {

using cm::Apm;
using cm::BitHistory;
using cm::MatchModel;
using cm::Mixer;
using cm::SlotTable;
using cm::StateMap;
using cm::Stretch;

// The contexts a level may use. Each is a hash of some view of the past bytes.
enum class Context : uint8_t {
  kOrder1,
  kOrder2,
  kOrder3,
  kOrder4,
  kOrder5,
  kOrder6,
  kOrder7,
  kOrder8,
  kOrder12,
  kOrder16,
  kOrder24,
  kWord,          // the current word (letters only, case-folded) and the byte before it
  kWordPair,      // the current and the previous word
  kWordTriple,    // the current and two previous words
  kWordSkip,      // the current word and the word before the previous one
  kSparseSkip1,   // bytes 2-3 back
  kSparseSkip2,   // bytes 3-4 back
  kSparseGap,     // byte 1 and byte 3 back
  kSparseWide,    // bytes 2, 4 and 6 back
  kColumn,        // position in the line and the byte above it
  kIndirect1,     // byte 1 back and what followed its previous occurrences
  kIndirect2,     // bytes 1-2 back and what followed their previous occurrences
  // Samples (images: one byte per pixel in rows of a detected stride; audio: one
  // unsigned byte per sample). "above" is the byte one stride back.
  kImageNeighbours,  // the pixels left and above
  kImageGradient,    // left + above - above-left, and the local contrast
  kImageSmooth,      // the average of left and above-right, and above
  kAudioLinear,      // the linear extrapolation of the last two samples
  kAudioQuadratic,   // the extrapolation of the last three samples, and the last
};

struct LevelConfig {
  int table_bits;         // log2 bytes of the shared slot table
  int history_bits;       // log2 bytes of the match model's history
  int match_index_bits;   // log2 entries of the match model's position index
  int match_min_length;   // bytes that must repeat before the match model predicts
  std::vector<Context> contexts;
  bool extra_inputs;      // two inputs per context instead of one
  bool many_selectors;    // four first-layer mixer contexts instead of one
  int mixer_rate;         // mixer learning rate (1..64)
  bool order2_apm;        // hashed order-2 APM stage
};

using C = Context;

LevelConfig ConfigFor(int level) {
  level = std::clamp(level, 1, 9);
  switch (level) {
    case 1:
      return {22, 22, 20, 7,
              {C::kOrder1, C::kOrder2, C::kOrder3, C::kOrder4, C::kWord, C::kImageGradient,
               C::kAudioLinear},
              false, false, 2, false};
    case 2:
      return {23, 22, 20, 7,
              {C::kOrder1, C::kOrder2, C::kOrder3, C::kOrder4, C::kOrder6, C::kWord,
               C::kImageGradient, C::kAudioLinear},
              false, false, 2, false};
    case 3:
      return {24, 23, 21, 7,
              {C::kOrder1, C::kOrder2, C::kOrder3, C::kOrder4, C::kOrder6, C::kWord,
               C::kImageNeighbours, C::kImageGradient, C::kAudioLinear, C::kAudioQuadratic},
              false, true, 2, true};
    case 4:
      return {25, 24, 22, 6,
              {C::kOrder1, C::kOrder2, C::kOrder3, C::kOrder4, C::kOrder5, C::kOrder6,
               C::kWord, C::kWordPair,
               C::kImageNeighbours, C::kImageGradient, C::kImageSmooth, C::kAudioLinear,
               C::kAudioQuadratic},
              false, true, 2, true};
    case 5:
      return {26, 24, 22, 6,
              {C::kOrder1, C::kOrder2, C::kOrder3, C::kOrder4, C::kOrder5, C::kOrder6,
               C::kOrder8, C::kWord, C::kWordPair, C::kSparseSkip1,
               C::kImageNeighbours, C::kImageGradient, C::kImageSmooth, C::kAudioLinear,
               C::kAudioQuadratic},
              true, true, 2, true};
    case 6:
      return {27, 25, 23, 6,
              {C::kOrder1, C::kOrder2, C::kOrder3, C::kOrder4, C::kOrder5, C::kOrder6,
               C::kOrder8, C::kWord, C::kWordPair, C::kSparseSkip1, C::kColumn,
               C::kIndirect1,
               C::kImageNeighbours, C::kImageGradient, C::kImageSmooth, C::kAudioLinear,
               C::kAudioQuadratic},
              true, true, 2, true};
    case 7:
      return {27, 26, 24, 6,
              {C::kOrder1, C::kOrder2, C::kOrder3, C::kOrder4, C::kOrder5, C::kOrder6,
               C::kOrder7, C::kOrder8, C::kOrder12, C::kWord, C::kWordPair, C::kWordTriple,
               C::kSparseSkip1, C::kSparseGap, C::kColumn, C::kIndirect1, C::kIndirect2,
               C::kImageNeighbours, C::kImageGradient, C::kImageSmooth, C::kAudioLinear,
               C::kAudioQuadratic},
              true, true, 2, true};
    case 8:
      return {28, 26, 24, 6,
              {C::kOrder1, C::kOrder2, C::kOrder3, C::kOrder4, C::kOrder5, C::kOrder6,
               C::kOrder7, C::kOrder8, C::kOrder12, C::kOrder16, C::kWord, C::kWordPair,
               C::kWordTriple, C::kWordSkip, C::kSparseSkip1, C::kSparseSkip2, C::kSparseGap,
               C::kColumn, C::kIndirect1, C::kIndirect2,
               C::kImageNeighbours, C::kImageGradient, C::kImageSmooth, C::kAudioLinear,
               C::kAudioQuadratic},
              true, true, 2, true};
    default:
      return {29, 27, 25, 6,
              {C::kOrder1, C::kOrder2, C::kOrder3, C::kOrder4, C::kOrder5, C::kOrder6,
               C::kOrder7, C::kOrder8, C::kOrder12, C::kOrder16, C::kOrder24, C::kWord,
               C::kWordPair, C::kWordTriple, C::kWordSkip, C::kSparseSkip1, C::kSparseSkip2,
               C::kSparseGap, C::kSparseWide, C::kColumn, C::kIndirect1, C::kIndirect2,
               C::kImageNeighbours, C::kImageGradient, C::kImageSmooth, C::kAudioLinear,
               C::kAudioQuadratic},
              true, true, 2, true};
  }
}

uint64_t Finalize(uint64_t h) {
  h ^= h >> 31;
  h *= 0x7fb5d329728ea185ull;
  h ^= h >> 27;
  h *= 0x81dadef4bc2dd44dull;
  h ^= h >> 33;
  return h;
}

uint64_t Combine(uint64_t a, uint64_t b) { return (a + 0x9e3779b97f4a7c15ull) * 0xff51afd7ed558ccdull ^ (b * 0xc4ceb9fe1a85ec53ull + 1); }

bool IsWordByte(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 128; }

constexpr int kOrder2ApmBits = 18;
constexpr std::array<int, 6> kStrideCandidates = {32, 64, 128, 256, 512, 1024};

int Log2Bucket(int v) { return v == 0 ? 0 : 32 - __builtin_clz(static_cast<unsigned>(v)); }
constexpr int kMaxContexts = 28;
constexpr int kMaxInputs = 2 * kMaxContexts + MatchModel::kInputs + 4;

class ContextMixingModel final : public Predictor {
 public:
  explicit ContextMixingModel(int level)
      : config_(ConfigFor(level)),
        slots_(size_t{1} << config_.table_bits),
        match_(config_.history_bits, config_.match_index_bits, config_.match_min_length),
        history_(size_t{1} << config_.history_bits),
        order0_(256, 1023),
        apm_order0_(256, 7),
        apm_order1_(65536, 7),
        apm_order2_(config_.order2_apm ? size_t{1} << kOrder2ApmBits : 1, 7) {
    num_contexts_ = static_cast<int>(config_.contexts.size());
    inputs_per_context_ = config_.extra_inputs ? 2 : 1;
    num_inputs_ = num_contexts_ * inputs_per_context_ + MatchModel::kInputs + 2;
    const auto& bh = BitHistory();
    maps_.reserve(num_contexts_);
    for (int i = 0; i < num_contexts_; ++i) {
      maps_.emplace_back(256, 1023);
      for (int s = 0; s < bh.used_states; ++s) {
        const int n0 = bh.zeros[s], n1 = bh.ones[s];
        maps_.back().Set(s, (4096 * (2 * n1 + 1)) / (2 * (n0 + n1) + 2));
      }
    }
    // Weights start summing to 2: a confident vote of agreeing inputs.
    const int init = 2 * 65536 / num_inputs_;
    if (config_.many_selectors) {
      selectors_ = 4;
      layer1_.emplace_back(num_inputs_, 16 * 8, init);   // match length x bit position
      layer1_.emplace_back(num_inputs_, 256, init);      // bits of the current byte
      layer1_.emplace_back(num_inputs_, 256 * 8, init);  // previous byte x bit position
      layer1_.emplace_back(num_inputs_, (kMaxContexts + 1) * 4, init);  // known contexts
      layer2_ = Mixer(selectors_, 256, 65536 / selectors_);
    } else {
      selectors_ = 1;
      layer1_.emplace_back(num_inputs_, 16 * 256, init);  // match length x current bits
    }
    slot_.fill(nullptr);
    for (int i = 0; i < num_contexts_; ++i) slot_[i] = &empty_slot_[0];
    ok_ = slots_.ok() && match_.ok() && history_.ok() && apm_order1_.ok() && apm_order2_.ok();
    NewByte();
  }

  bool ok() const { return ok_; }

  Granularity granularity() const override { return Granularity::kBit; }

  uint32_t PredictBit() override {
    int32_t* x = inputs_.data();
    int n = 0;
    known_ = 0;
    for (int i = 0; i < num_contexts_; ++i) {
      const uint8_t state = *slot_[i];
      const int p = maps_[i].P(state);
      const int st = Stretch(p);
      x[n++] = st;
      if (inputs_per_context_ == 2) x[n++] = state == 0 ? 0 : (p - 2048) >> 1;
      known_ += state != 0;
    }
    match_.Predict(c0_, bit_pos_, x + n);
    n += MatchModel::kInputs;
    x[n++] = Stretch(order0_.P(c0_));
    x[n++] = 256;

    const int match_bucket = match_.LengthBucket();
    int st;
    if (selectors_ == 1) {
      st = layer1_[0].Mix(x, match_bucket * 256 + c0_);
    } else {
      layer1_out_[0] = layer1_[0].Mix(x, match_bucket * 8 + bit_pos_);
      layer1_out_[1] = layer1_[1].Mix(x, c0_);
      layer1_out_[2] = layer1_[2].Mix(x, c1_ * 8 + bit_pos_);
      layer1_out_[3] = layer1_[3].Mix(x, known_ * 4 + (bit_pos_ >> 1));
      st = layer2_.Mix(layer1_out_.data(), c0_);
    }
    mixer_st_ = st;

    // APM stages, each fed the mixer's stretched output; averaged in the 16-bit domain.
    const int p_mix = cm::Squash16(st);
    const int p_a0 = apm_order0_.P(st, c0_);
    const int p_a1 = apm_order1_.P(st, c0_ | c1_ << 8);
    int p;
    if (config_.order2_apm) {
      const int p_a2 = apm_order2_.P(st, Order2ApmContext());
      p = (2 * p_mix + p_a0 + 2 * p_a1 + 3 * p_a2) >> 3;
    } else {
      p = (2 * p_mix + p_a0 + p_a1 * 1) >> 2;
    }
    return static_cast<uint32_t>(std::clamp(p, 1, 65535));
  }

  void UpdateBit(int bit) override {
    const auto& next = BitHistory().next;
    for (int i = 0; i < num_contexts_; ++i) {
      maps_[i].Update(bit);
      *slot_[i] = next[*slot_[i]][bit];
    }
    match_.Update(bit);
    order0_.Update(bit);
    const int rate = config_.mixer_rate;
    if (selectors_ == 1) {
      layer1_[0].Update(inputs_.data(), bit, rate);
    } else {
      for (int s = 0; s < selectors_; ++s) layer1_[s].Update(inputs_.data(), bit, rate);
      layer2_.Update(layer1_out_.data(), bit, 2);
    }
    apm_order0_.Update(bit);
    apm_order1_.Update(bit);
    if (config_.order2_apm) apm_order2_.Update(bit);

    c0_ = (c0_ << 1) | bit;
    ++bit_pos_;
    if (bit_pos_ == 8) {
      EndByte(static_cast<uint8_t>(c0_ & 255));
      NewByte();
    } else if (bit_pos_ == 4) {
      FindSlots(c0_);
    } else {
      const int idx = NibbleNode();
      for (int i = 0; i < num_contexts_; ++i) slot_[i] = slot_base_[i] + idx;
      if (bit_pos_ == 3) {
        // The next nibble's buckets: one of two, known a bit early.
        for (int i = 0; i < num_contexts_; ++i) {
          slots_.Prefetch(NibbleHash(i, c0_ * 2));
          slots_.Prefetch(NibbleHash(i, c0_ * 2 + 1));
        }
      } else if (bit_pos_ == 7) {
        // The next byte's buckets for the plain order-n contexts.
        for (int i = 0; i < num_contexts_; ++i) {
          const int order = PlainOrder(config_.contexts[i]);
          if (order == 0) continue;
          for (int b = 0; b < 2; ++b) {
            const uint64_t next_c8 = (c8_ << 8) | static_cast<uint8_t>(c0_ * 2 + b);
            slots_.Prefetch(ContextHash(OrderValue(order, next_c8), i));
          }
        }
      }
    }
    PrefetchApms();
  }

 private:
  void PrefetchApms() {
    apm_order1_.Prefetch(c0_ | c1_ << 8);
    if (config_.order2_apm) apm_order2_.Prefetch(Order2ApmContext());
  }
  size_t Order2ApmContext() const { return (c0_ ^ order2_apm_hash_) & ((1u << kOrder2ApmBits) - 1); }

  static uint64_t ContextHash(uint64_t value, int index) {
    return Finalize(value * 64 + static_cast<uint64_t>(index));
  }
  uint64_t NibbleHash(int i, int nibble_context) const {
    if (nibble_context == 1) return context_hash_[i];
    return Finalize(context_hash_[i] + static_cast<uint64_t>(nibble_context) * 0x9e3779b97f4a7c15ull);
  }
  // n for the order-n contexts with n <= 8, else 0.
  static int PlainOrder(Context c) {
    switch (c) {
      case C::kOrder1: return 1;
      case C::kOrder2: return 2;
      case C::kOrder3: return 3;
      case C::kOrder4: return 4;
      case C::kOrder5: return 5;
      case C::kOrder6: return 6;
      case C::kOrder7: return 7;
      case C::kOrder8: return 8;
      default: return 0;
    }
  }
  // Value of the order-n context (n <= 8) given the last 8 bytes.
  static uint64_t OrderValue(int n, uint64_t c8) {
    const uint64_t mask = n == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * n)) - 1;
    return (c8 & mask) * 0x100000001b3ull + static_cast<uint64_t>(n);
  }

  // Index of the current node in the nibble's tree, 1..15.
  int NibbleNode() const {
    const int bits_in_nibble = bit_pos_ & 3;
    const int prefix = c0_ & ((1 << bits_in_nibble) - 1);
    return (1 << bits_in_nibble) | prefix;
  }

  void EndByte(uint8_t byte) {
    match_.UpdateByte(byte);
    history_[pos_ & (history_.size() - 1)] = byte;
    ++pos_;
    c8_ = (c8_ << 8) | byte;
    c2_ = c1_;
    c1_ = byte;
    if (IsWordByte(byte)) {
      const int folded = (byte >= 'A' && byte <= 'Z') ? byte + 32 : byte;
      word0_ = Combine(word0_, static_cast<uint64_t>(folded));
    } else if (word0_ != 0) {
      word2_ = word1_;
      word1_ = word0_;
      word0_ = 0;
    }
    if (byte == '\n') {
      prev_line_start_ = line_start_;
      line_start_ = pos_;
    }
    indirect1_[c2_ & 255] = static_cast<uint16_t>((indirect1_[c2_ & 255] << 8) | byte);
    const uint32_t c2c3 = static_cast<uint32_t>((c8_ >> 8) & 0xffff);
    indirect2_[c2c3] = static_cast<uint16_t>((indirect2_[c2c3] << 8) | byte);
    DetectStride(byte);
  }

  // Re-chooses the stride whenever the byte count reaches a power of 4 from 1024 on.
  void DetectStride(uint8_t byte) {
    for (size_t k = 0; k < kStrideCandidates.size(); ++k) {
      const int w = kStrideCandidates[k];
      if (pos_ > static_cast<uint64_t>(w)) {
        stride_cost_[k] += static_cast<uint64_t>(std::abs(static_cast<int>(byte) - static_cast<int>(Back(w + 1))));
      } else {
        stride_cost_[k] += 128;
      }
    }
    if (pos_ >= 1024 && (pos_ & (pos_ - 1)) == 0 && (__builtin_ctzll(pos_) & 1) == 0) {
      size_t best = 1;
      for (size_t k = 0; k < kStrideCandidates.size(); ++k) {
        if (stride_cost_[k] < stride_cost_[best]) best = k;
      }
      stride_ = kStrideCandidates[best];
    }
  }

  // Computes every context hash for the byte about to start and finds its slots.
  void NewByte() {
    c0_ = 1;
    bit_pos_ = 0;
    for (int i = 0; i < num_contexts_; ++i) {
      context_hash_[i] = ContextHash(ContextValue(config_.contexts[i]), i);
    }
    order2_apm_hash_ = static_cast<uint32_t>(Finalize(c8_ & 0xffffff)) & ((1u << kOrder2ApmBits) - 256);
    slots_.MaybeGrow();
    FindSlots(1);
    PrefetchApms();
  }

  void FindSlots(int nibble_context) {
    std::array<uint64_t, kMaxContexts> h;
    for (int i = 0; i < num_contexts_; ++i) {
      h[i] = NibbleHash(i, nibble_context);
      slots_.Prefetch(h[i]);
    }
    for (int i = 0; i < num_contexts_; ++i) {
      slot_base_[i] = slots_.Find(h[i]);
      slot_[i] = slot_base_[i] + 1;
    }
  }

  uint64_t Back(int n) const {
    if (static_cast<uint64_t>(n) > pos_) return 0;
    return history_[(pos_ - n) & (history_.size() - 1)];
  }

  uint64_t OrderHash(int n) const {
    if (n <= 8) return OrderValue(n, c8_);
    uint64_t h = c8_;
    for (int i = 9; i <= n; ++i) h = Combine(h, Back(i));
    return h;
  }

  uint64_t ContextValue(Context c) const {
    switch (c) {
      case C::kOrder1: return OrderHash(1);
      case C::kOrder2: return OrderHash(2);
      case C::kOrder3: return OrderHash(3);
      case C::kOrder4: return OrderHash(4);
      case C::kOrder5: return OrderHash(5);
      case C::kOrder6: return OrderHash(6);
      case C::kOrder7: return OrderHash(7);
      case C::kOrder8: return OrderHash(8);
      case C::kOrder12: return OrderHash(12);
      case C::kOrder16: return OrderHash(16);
      case C::kOrder24: return OrderHash(24);
      case C::kWord: return Combine(word0_, IsWordByte(c1_) ? 0 : c1_ + 256);
      case C::kWordPair: return Combine(Combine(word0_, word1_), IsWordByte(c1_) ? 0 : c1_ + 256);
      case C::kWordTriple: return Combine(Combine(word0_, word1_), word2_);
      case C::kWordSkip: return Combine(Combine(word0_, word2_), 7);
      case C::kSparseSkip1: return (c8_ & 0xffff00) | 0x1000000000ull;
      case C::kSparseSkip2: return (c8_ & 0xffff0000) | 0x2000000000ull;
      case C::kSparseGap: return (c8_ & 0xff00ff) | 0x3000000000ull;
      case C::kSparseWide: return (c8_ & 0xff00ff00ff00ull) | 0x400000000000000ull;
      case C::kColumn: {
        const uint64_t column = pos_ - line_start_;
        const uint64_t above_pos = prev_line_start_ + column;
        const uint64_t above = above_pos < line_start_ ? Back(static_cast<int>(std::min<uint64_t>(pos_ - above_pos, 1u << 20))) : 0;
        return Combine(std::min<uint64_t>(column, 255) | above << 8 | c1_ << 16, 11);
      }
      case C::kIndirect1: return Combine(c1_ | static_cast<uint64_t>(indirect1_[c1_]) << 8, 12);
      case C::kImageNeighbours: return Combine(Back(1) | Back(stride_) << 8, 21);
      case C::kImageGradient: {
        const int left = static_cast<int>(Back(1)), above = static_cast<int>(Back(stride_));
        const int above_left = static_cast<int>(Back(stride_ + 1));
        const int predicted = std::clamp(left + above - above_left, 0, 255);
        const int contrast = std::min(std::abs(left - above_left) + std::abs(above - above_left), 255);
        return Combine(static_cast<uint64_t>(predicted) | static_cast<uint64_t>(Log2Bucket(contrast)) << 8, 22);
      }
      case C::kImageSmooth: {
        const uint64_t left = Back(1), above = Back(stride_), above_right = Back(stride_ - 1);
        return Combine(((left + above_right + 1) >> 1) | (above >> 2) << 8, 23);
      }
      case C::kAudioLinear: {
        const int predicted = std::clamp(2 * static_cast<int>(c1_) - static_cast<int>(c2_), 0, 255);
        return Combine(static_cast<uint64_t>(predicted), 24);
      }
      case C::kAudioQuadratic: {
        const int c3 = static_cast<int>(Back(3));
        const int predicted =
            std::clamp(3 * static_cast<int>(c1_) - 3 * static_cast<int>(c2_) + c3, 0, 255);
        return Combine(static_cast<uint64_t>(predicted) | c1_ >> 3 << 8, 25);
      }
      case C::kIndirect2: {
        const uint32_t c1c2 = static_cast<uint32_t>(c8_ & 0xffff);
        return Combine(c1c2 | static_cast<uint64_t>(indirect2_[c1c2]) << 16, 13);
      }
    }
    return 0;
  }

  LevelConfig config_;
  bool ok_ = false;
  SlotTable slots_;
  MatchModel match_;
  cm::ZeroArray<uint8_t> history_;
  StateMap order0_;
  std::vector<StateMap> maps_;
  std::vector<Mixer> layer1_;
  Mixer layer2_;
  Apm apm_order0_;
  Apm apm_order1_;
  Apm apm_order2_;
  int selectors_ = 1;
  int num_contexts_ = 0;
  int inputs_per_context_ = 1;
  int num_inputs_ = 0;
  int known_ = 0;
  int mixer_st_ = 0;
  std::array<int32_t, kMaxInputs> inputs_{};
  std::array<int32_t, 4> layer1_out_{};
  std::array<uint64_t, kMaxContexts> context_hash_{};
  std::array<uint8_t*, kMaxContexts> slot_base_{};
  std::array<uint8_t*, kMaxContexts> slot_{};
  std::array<uint8_t, 16> empty_slot_{};
  std::array<uint16_t, 256> indirect1_{};
  std::array<uint16_t, 65536> indirect2_{};
  uint32_t order2_apm_hash_ = 0;

  int c0_ = 1;       // bits of the current byte with a leading 1
  int bit_pos_ = 0;  // bits of the current byte seen, 0..7
  uint64_t c1_ = 0, c2_ = 0;
  uint64_t c8_ = 0;  // the last 8 bytes, most recent lowest
  uint64_t pos_ = 0;
  uint64_t word0_ = 0, word1_ = 0, word2_ = 0;
  uint64_t line_start_ = 0, prev_line_start_ = 0;
  // Row stride of 2-D data: the candidate whose byte one stride back differs least.
  int stride_ = 64;
  std::array<uint64_t, kStrideCandidates.size()> stride_cost_{};
};

}  // namespace

std::unique_ptr<Predictor> NewContextMixingModel(int level) {
  auto model = std::make_unique<ContextMixingModel>(level);
  if (!model->ok()) return nullptr;
  return model;
}

size_t ContextMixingMemory(int level) {
  const LevelConfig c = ConfigFor(level);
  const size_t contexts = c.contexts.size();
  const size_t inputs = contexts * (c.extra_inputs ? 2 : 1) + MatchModel::kInputs + 2;
  size_t bytes = SlotTable::MaxBytes(size_t{1} << c.table_bits);
  bytes += MatchModel::MaxBytes(c.history_bits, c.match_index_bits);
  bytes += size_t{1} << c.history_bits;              // context history
  bytes += 65536 * 33 * 2 + 256 * 33 * 2;            // order-0/1 APMs
  if (c.order2_apm) bytes += (size_t{1} << kOrder2ApmBits) * 33 * 2;
  bytes += inputs * 4 * (c.many_selectors ? (16 * 8 + 256 + 256 * 8 + 100) : 16 * 256);
  bytes += contexts * 256 * 4 + 65536 * 2;
  return bytes;
}

}  // namespace lmzip
