#include "model/cm_match.h"

#include <algorithm>

namespace lmzip::cm {
namespace {

constexpr uint32_t kMaxLength = 65535;
constexpr uint32_t kMaxVerify = 400;
constexpr int kMinIndexBits = 12;

int Bucket(uint32_t length) {
  if (length == 0) return 0;
  if (length < 8) return static_cast<int>(length);
  if (length < 16) return 8 + static_cast<int>((length - 8) >> 2);   // 8, 9
  if (length < 32) return 10 + static_cast<int>((length - 16) >> 3);  // 10, 11
  if (length < 64) return 12;
  if (length < 128) return 13;
  if (length < 512) return 14;
  return 15;
}

}  // namespace

int MatchModel::BucketOf(uint32_t length) { return Bucket(length); }

MatchModel::MatchModel(int history_bits, int index_bits, int min_length, bool grow_index, int long_length,
                       int recover_length)
    : history_(size_t{1} << history_bits),
      index_(size_t{1} << (grow_index ? std::min(index_bits, kMinIndexBits) : index_bits)),
      long_index_(long_length > min_length ? index_.size() : 0),
      long_length_(long_length > min_length ? long_length : 0),
      recover_length_(recover_length > 0 ? static_cast<uint32_t>(recover_length) : 0),
      history_mask_((uint32_t{1} << history_bits) - 1),
      index_mask_((uint32_t{1} << (grow_index ? std::min(index_bits, kMinIndexBits) : index_bits)) - 1),
      min_length_(min_length),
      index_bits_(grow_index ? std::min(index_bits, kMinIndexBits) : index_bits),
      max_index_bits_(index_bits),
      confidence_(16 * 2 * 256, 1023) {
  // Start each length's confidence from a prior that grows with the length.
  for (int b = 0; b < 16; ++b) {
    for (int e = 0; e < 2; ++e) {
      for (int c = 0; c < 256; ++c) {
        const int sure = b == 0 ? 2048 : 4096 - 2048 / (b + 1);
        confidence_.Set((static_cast<size_t>(b) * 2 + e) * 256 + c, e ? sure : 4096 - sure);
      }
    }
  }
}

void MatchModel::UpdateByte(uint8_t byte) {
  history_[pos_ & history_mask_] = byte;
  ++pos_;
  uint64_t recover_ptr = 0;  // where a failed long match goes on (0: none)
  if (length_ > 0 && predicted_byte_ == byte) {
    if (length_ < kMaxLength) ++length_;
    ++match_ptr_;
  } else {
    if (recover_length_ > 0 && length_ >= recover_length_) recover_ptr = match_ptr_ + 1;
    length_ = 0;
  }
  if (pos_ < static_cast<uint64_t>(min_length_)) return;
  MaybeGrowIndex();
  const uint32_t h = HashBefore(pos_);
  if (length_ == 0) {
    const uint64_t candidate = index_[h];
    const uint32_t n = Verify(candidate);
    if (n >= static_cast<uint32_t>(min_length_)) {
      length_ = n;
      match_ptr_ = candidate;
    }
  }
  index_[h] = static_cast<uint32_t>(pos_);
  if (long_length_ > 0 && pos_ >= static_cast<uint64_t>(long_length_)) {
    const uint32_t hl = HashBefore(pos_, long_length_);
    if (length_ < static_cast<uint32_t>(long_length_)) {
      const uint64_t candidate = long_index_[hl];
      const uint32_t n = Verify(candidate);
      if (n >= static_cast<uint32_t>(long_length_) && n > length_) {
        length_ = n;
        match_ptr_ = candidate;
      }
    }
    long_index_[hl] = static_cast<uint32_t>(pos_);
  }
  if (length_ == 0 && recover_ptr != 0) {
    // Lengths below min_length occur only here, so the confidence of a recovered
    // match is learned apart from that of a found one.
    length_ = 1;
    match_ptr_ = recover_ptr;
  }
  if (length_ > 0) {
    predicted_byte_ = history_[match_ptr_ & history_mask_];
    length_bucket_ = Bucket(length_);
  } else {
    length_bucket_ = 0;
  }
}

uint32_t MatchModel::Verify(uint64_t candidate) const {
  if (candidate == 0 || pos_ - candidate >= history_mask_) return 0;
  uint32_t n = 0;
  while (n < kMaxVerify && n < candidate &&
         history_[(candidate - 1 - n) & history_mask_] == history_[(pos_ - 1 - n) & history_mask_]) {
    ++n;
  }
  return n;
}

uint32_t MatchModel::HashBefore(uint64_t end, int length) const {
  uint32_t h = 0;
  for (uint64_t i = end - length; i < end; ++i) {
    h = (h + history_[i & history_mask_] + 1) * kHashMultiplier;
  }
  return (h ^ (h >> 15)) & index_mask_;
}

void MatchModel::MaybeGrowIndex() {
  // Grow while the history still holds every byte, so the index can be rebuilt.
  if (index_bits_ >= max_index_bits_ || pos_ <= index_mask_ || pos_ > history_mask_) return;
  ZeroArray<uint32_t> bigger(size_t{2} << index_bits_);
  if (!bigger.ok()) {
    max_index_bits_ = index_bits_;
    return;
  }
  ZeroArray<uint32_t> bigger_long(long_length_ > 0 ? bigger.size() : 0);
  if (!bigger_long.ok()) {
    max_index_bits_ = index_bits_;
    return;
  }
  index_ = std::move(bigger);
  long_index_ = std::move(bigger_long);
  ++index_bits_;
  index_mask_ = (uint32_t{1} << index_bits_) - 1;
  for (uint64_t end = min_length_; end < pos_; ++end) index_[HashBefore(end)] = static_cast<uint32_t>(end);
  if (long_length_ > 0) {
    for (uint64_t end = long_length_; end < pos_; ++end) {
      long_index_[HashBefore(end, long_length_)] = static_cast<uint32_t>(end);
    }
  }
}

}  // namespace lmzip::cm
