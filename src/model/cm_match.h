// The match model: finds the last occurrence of the most recent `min_length` bytes
// and predicts that the byte which followed it comes next, with a confidence learned
// per match length.
#pragma once

#include <cstdint>
#include <vector>

#include "model/cm_components.h"

namespace lmzip::cm {

class MatchModel {
 public:
  // History of 2^history_bits bytes, up to 2^index_bits remembered positions (the
  // index starts small and grows with the input).
  // `grow_index`: start the index small and double it as input arrives, else start
  // at full size (for inputs known to be short).
  // `long_length` > min_length: a second index of the last `long_length` bytes,
  // consulted while the current match is shorter, finds the longer repeats that the
  // most recent occurrence of the last min_length bytes misses (0: none).
  // `recover_length` > 0: when a match of at least that many bytes fails and no new
  // one is found, the model goes on predicting the bytes that followed the failed
  // one (as at a changed word in a repeated line), at the confidence of a 1-byte
  // match, which grows as they agree (0: a failed match ends).
  MatchModel(int history_bits, int index_bits, int min_length, bool grow_index = true, int long_length = 0,
             int recover_length = 0);
  bool ok() const { return history_.ok() && index_.ok() && long_index_.ok(); }
  // Bytes allocated at the largest size.
  static size_t MaxBytes(int history_bits, int index_bits, bool long_index) {
    return (size_t{1} << history_bits) + ((long_index ? size_t{8} : size_t{4}) << index_bits);
  }

  // Adds the predictions for the next bit to `x` (kInputs values).
  // `c0`: the bits of the current byte seen so far, with a leading 1.
  static constexpr int kInputs = 2;
  void Predict(int c0, int bit_pos, int* x) {
    active_ = false;
    if (length_ > 0) {
      const int expected_prefix = (predicted_byte_ | 256) >> (8 - bit_pos);
      if (expected_prefix == c0) {
        active_ = true;
        expected_bit_ = (predicted_byte_ >> (7 - bit_pos)) & 1;
      }
    }
    if (!active_) {
      x[0] = 0;
      x[1] = 0;
      return;
    }
    const int p = confidence_.P((static_cast<size_t>(length_bucket_) * 2 + expected_bit_) * 256 +
                                static_cast<size_t>(c0));
    const int st = Stretch(p);
    x[0] = st;
    // A second view: the plain length-proportional vote.
    const int vote = length_ > 32 ? 32 * 32 : static_cast<int>(length_) * 32;
    x[1] = expected_bit_ ? vote : -vote;
  }

  void Update(int bit) {
    if (active_) confidence_.Update(bit);
  }
  // Learns a whole byte; call after the byte's last UpdateBit.
  void UpdateByte(uint8_t byte);
  // Fetches into the cache the index entries that UpdateByte will read for either
  // value of the byte's last bit; `high_bits`: the byte's first 7 bits. With
  // `long_index`, those of the second index too.
  void PrefetchNext(int high_bits, bool long_index = false) const {
    PrefetchNextIn(index_, min_length_, high_bits);
    if (long_index && long_length_ > 0) PrefetchNextIn(long_index_, long_length_, high_bits);
  }
  // Quantized length of the current match, 0 when none or when the current byte
  // already differs from the predicted one: 0..15.
  int LengthBucket() const { return active_ ? length_bucket_ : 0; }
  // The byte the match predicts (valid when LengthBucket() > 0).
  int PredictedByte() const { return predicted_byte_; }
  uint32_t length() const { return length_; }

  // Saves or restores the whole state (at a byte boundary) through an archive.
  template <typename Archive>
  void Serialize(Archive& ar) {
    const size_t history_size = history_.size();
    history_.Serialize(ar);
    index_.Serialize(ar);
    long_index_.Serialize(ar);
    ar.Pod(index_bits_);
    ar.Pod(pos_);
    ar.Pod(match_ptr_);
    ar.Pod(length_);
    ar.Pod(predicted_byte_);
    confidence_.Serialize(ar);
    if (Archive::kLoading) {
      if (history_.size() != history_size || index_bits_ < 1 || index_bits_ > max_index_bits_ ||
          index_.size() != (size_t{1} << index_bits_) ||
          (long_length_ > 0 && long_index_.size() != index_.size())) {
        return ar.Fail("match model sizes disagree");
      }
      index_mask_ = (uint32_t{1} << index_bits_) - 1;
      predicted_byte_ &= 255;
      if (length_ > 65535) length_ = 65535;
      length_bucket_ = 0;
      active_ = false;
      if (length_ > 0) length_bucket_ = BucketOf(length_);
    }
  }
  static int BucketOf(uint32_t length);

 private:
  static constexpr uint32_t kHashMultiplier = 0x2f0b3a49u;
  // PrefetchNext for one index, hashed by the last `length` bytes.
  void PrefetchNextIn(const ZeroArray<uint32_t>& index, int length, int high_bits) const {
    if (pos_ + 1 < static_cast<uint64_t>(length)) return;
    uint32_t h = 0;
    for (uint64_t i = pos_ + 1 - static_cast<uint64_t>(length); i < pos_; ++i) {
      h = (h + history_[i & history_mask_] + 1) * kHashMultiplier;
    }
    for (uint32_t b = 0; b < 2; ++b) {
      const uint32_t last = (h + static_cast<uint32_t>(high_bits * 2) + b + 1) * kHashMultiplier;
      PrefetchLine(&index[(last ^ (last >> 15)) & index_mask_]);
    }
  }
  // Hash of the min_length_ bytes that end before position `end`.
  uint32_t HashBefore(uint64_t end) const { return HashBefore(end, min_length_); }
  uint32_t HashBefore(uint64_t end, int length) const;
  // Bytes that agree before `candidate` and before pos_, at most kMaxVerify.
  uint32_t Verify(uint64_t candidate) const;
  void MaybeGrowIndex();

  ZeroArray<uint8_t> history_;
  ZeroArray<uint32_t> index_;
  ZeroArray<uint32_t> long_index_;  // as index_, by the last long_length_ bytes
  int long_length_ = 0;
  uint32_t recover_length_ = 0;
  uint32_t history_mask_;
  uint32_t index_mask_;
  int min_length_;
  int index_bits_;
  int max_index_bits_;
  uint64_t pos_ = 0;       // bytes seen
  uint64_t match_ptr_ = 0;  // position of the predicted byte in history
  uint32_t length_ = 0;    // bytes matched before match_ptr_
  int predicted_byte_ = 0;
  int length_bucket_ = 0;
  bool active_ = false;
  int expected_bit_ = 0;
  StateMap confidence_;
};

}  // namespace lmzip::cm
