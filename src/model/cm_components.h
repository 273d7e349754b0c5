// Building blocks of the context-mixing model: adaptive maps from contexts to bit
// probabilities, a hashed table of bit-history slots, a gated logistic mixer, an
// adaptive probability map (APM/SSE) and a long-range match model.
//
// All arithmetic is integer, so a model's output depends only on its input bits.
// Probabilities are 12-bit (1/4096) unless a name says 16.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <emmintrin.h>
#include <memory>
#include <span>
#include <vector>

#include "model/cm_tables.h"

namespace lmzip::cm {

// Asks for the cache line holding `p` (a hint: `p` may point anywhere in a table).
// An asm statement, since GCC drops a __builtin_prefetch in a loop that does nothing else.
inline void PrefetchLine(const void* p) { asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p))); }

// Zero-filled memory for large tables. Blocks of 2 MiB and more are mapped lazily
// (untouched pages cost nothing, so a model that reads only part of its tables pays
// only for that part) and asked for huge pages, so first touches fault rarely.
class ZeroBlock {
 public:
  ZeroBlock() = default;
  explicit ZeroBlock(size_t bytes);
  ~ZeroBlock();
  ZeroBlock(ZeroBlock&& other) noexcept { *this = std::move(other); }
  ZeroBlock& operator=(ZeroBlock&& other) noexcept;
  // Deep copies: the copy holds the same bytes in memory of its own (empty when out
  // of memory, which data() == nullptr with bytes() > 0 of the source reveals).
  ZeroBlock(const ZeroBlock& other);
  ZeroBlock& operator=(const ZeroBlock& other);

  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  // Enlarges the block to at least `bytes`, keeping its contents; the new bytes are
  // zero. Pointers into the block are invalidated. False when out of memory (the
  // block is then unchanged).
  bool Grow(size_t bytes);

 private:
  void Release();
  void* data_ = nullptr;
  size_t bytes_ = 0;
  bool mapped_ = false;
};

// An array of trivially copyable T on a ZeroBlock, aligned to 64 bytes.
template <typename T>
class ZeroArray {
 public:
  ZeroArray() = default;
  explicit ZeroArray(size_t n) : block_(n * sizeof(T)), size_(block_.data() ? n : 0) {
    ok_ = block_.data() != nullptr || n == 0;
  }
  ZeroArray(const ZeroArray& other)
      : block_(other.block_), size_(other.size_), ok_(other.ok_ && (block_.data() != nullptr || size_ == 0)) {
    if (!ok_) size_ = 0;
  }
  ZeroArray& operator=(const ZeroArray& other) {
    if (this != &other) *this = ZeroArray(other);
    return *this;
  }
  ZeroArray(ZeroArray&&) noexcept = default;
  ZeroArray& operator=(ZeroArray&&) noexcept = default;
  bool ok() const { return ok_; }
  // Enlarges the array to `n` elements, keeping the first size() and zeroing the
  // rest. False when out of memory (the array is then unchanged).
  bool Grow(size_t n) {
    if (n <= size_) return true;
    if (!block_.Grow(n * sizeof(T))) return false;
    size_ = n;
    return true;
  }
  T* data() { return static_cast<T*>(block_.data()); }
  const T* data() const { return static_cast<const T*>(block_.data()); }
  size_t size() const { return size_; }
  T& operator[](size_t i) { return data()[i]; }
  const T& operator[](size_t i) const { return data()[i]; }

  // Saves or restores the array through an archive (see cm_state.h).
  template <typename Archive>
  void Serialize(Archive& ar) {
    uint64_t n = size_;
    ar.Pod(n);
    if (Archive::kLoading) {
      if (!ar.CanHold(n * sizeof(T))) return;
      *this = ZeroArray(static_cast<size_t>(n));
      if (!ok_) return ar.Fail("out of memory");
    }
    ar.Bytes(data(), size_ * sizeof(T));
  }

 private:
  ZeroBlock block_;
  size_t size_ = 0;
  bool ok_ = true;
};

// Maps a context (an index below `size`) to a probability that adapts with a rate
// of 1/(n + 1.5) after n observations, down to 1/(limit + 1.5).
class StateMap {
 public:
  StateMap() = default;
  // Every context starts at probability 1/2.
  StateMap(size_t size, int limit) : table_(size, uint32_t{1} << 31), limit_(limit) {}

  // Sets context `cx` to probability p12 (12-bit), count 0.
  void Set(size_t cx, int p12) { table_[cx] = static_cast<uint32_t>(p12) << 20; }

  // 12-bit probability for context `cx`; remembers `cx` for Update.
  int P(size_t cx) {
    cx_ = cx;
    return static_cast<int>(table_[cx] >> 20);
  }
  void Update(int bit) { Adapt(table_[cx_], bit, limit_); }

  template <typename Archive>
  void Serialize(Archive& ar) {
    ar.Vector(table_, table_.size());
  }

  // One entry: a 22-bit probability above a 10-bit count. Moves the probability
  // toward `bit` by 1/(count + 1.5) and counts the observation, up to `limit`.
  static void Adapt(uint32_t& e, int bit, int limit) {
    const uint32_t n = e & 1023;
    const int64_t p = e >> 10;  // 22 bits
    const int64_t target = bit ? (int64_t{1} << 22) - 1 : 0;
    const int64_t delta = ((target - p) * Reciprocals().value[n]) >> 16;
    const uint32_t next_n = n < static_cast<uint32_t>(limit) ? n + 1 : static_cast<uint32_t>(limit);
    e = (static_cast<uint32_t>(p + delta) << 10) | next_n;
  }
  // Adapt with `limit` 1023, the largest count: the same entry afterwards. The
  // probability stays within 22 bits, so the step adds to the entry without a carry
  // into or out of the count's bits.
  static void AdaptFullLimit(uint32_t& e, int bit) {
    const uint32_t n = e & 1023;
    const int64_t p = e >> 10;
    const int64_t target = bit ? (int64_t{1} << 22) - 1 : 0;
    const int64_t delta = ((target - p) * Reciprocals().value[n]) >> 16;
    e += (static_cast<uint32_t>(delta) << 10) + static_cast<uint32_t>(n != 1023);
  }

 private:
  std::vector<uint32_t> table_;
  int limit_ = 127;
  size_t cx_ = 0;
};

// Direct adaptive probabilities of contexts and the bits of the current byte
// (StateMap::Adapt entries, so each learns at 1/(n + 1.5) down to 1/(limit + 1.5)),
// beside the bit histories of the slot table: a bit history keeps only the last few
// bits, an entry here the context's whole record. One table per map (up to kMaxMaps),
// hashed without a check (contexts that collide share entries): a 64-byte line of 16
// entries per context and nibble, one entry per node of the nibble's tree (1..15),
// so a nibble costs one line per map. Every probability starts at 1/2, and an
// untouched line costs nothing.
class DirectMaps {
 public:
  static constexpr int kMaxMaps = 4;
  DirectMaps() = default;
  // One table per entry of `line_bits` (at most kMaxMaps), map j of 2^line_bits[j] lines.
  explicit DirectMaps(std::span<const int> line_bits)
      : table_(TotalEntries(line_bits)), maps_(static_cast<int>(std::min<size_t>(line_bits.size(), kMaxMaps))) {
    size_t first = 0;
    for (int j = 0; j < maps_; ++j) {
      first_[j] = first;
      mask_[j] = (size_t{1} << line_bits[static_cast<size_t>(j)]) - 1;
      first += size_t{16} << line_bits[static_cast<size_t>(j)];
    }
  }
  bool ok() const { return table_.ok(); }
  // Chooses map j's line of hash `h` for the nibble about to start.
  void Select(int j, uint64_t h) { line_[j] = LineOf(j, h); }
  void Prefetch(int j, uint64_t h) const { PrefetchLine(table_.data() + LineOf(j, h)); }
  int maps() const { return maps_; }
  // Into x[j] for each map j, its stretched probability at node `node` (1..15) of
  // its selected line; remembered for Update. `kMaps` > 0: the same for a table of
  // exactly that many maps (REQUIRES: kMaps == maps()), with its loops unrolled.
  template <int kMaps = 0>
  void Predict(int node, int16_t* x) {
    const int maps = kMaps > 0 ? kMaps : maps_;
    const uint32_t* t = table_.data();
    for (int j = 0; j < maps; ++j) {
      entry_[j] = line_[j] + static_cast<size_t>(node);
      x[j] = static_cast<int16_t>(Stretch(static_cast<int>((t[entry_[j]] ^ kHalf) >> 20)));
    }
  }
  template <int kMaps = 0>
  void Update(int bit, int limit) {
    const int maps = kMaps > 0 ? kMaps : maps_;
    uint32_t* t = table_.data();
    for (int j = 0; j < maps; ++j) {
      uint32_t e = t[entry_[j]] ^ kHalf;
      StateMap::Adapt(e, bit, limit);
      t[entry_[j]] = e ^ kHalf;
    }
  }
  template <typename Archive>
  void Serialize(Archive& ar) {
    const size_t size = table_.size();
    table_.Serialize(ar);
    if (Archive::kLoading && table_.size() != size) ar.Fail("direct map size disagrees");
  }

 private:
  static constexpr uint32_t kHalf = uint32_t{1} << 31;  // stored XOR this: zero is p = 1/2, n = 0
  static size_t TotalEntries(std::span<const int> line_bits) {
    size_t n = 0;
    for (size_t j = 0; j < line_bits.size() && j < kMaxMaps; ++j) n += size_t{16} << line_bits[j];
    return n;
  }
  size_t LineOf(int j, uint64_t h) const { return first_[j] + (static_cast<size_t>(h) & mask_[j]) * 16; }
  ZeroArray<uint32_t> table_;
  int maps_ = 0;
  size_t first_[kMaxMaps] = {};  // each map's first entry
  size_t mask_[kMaxMaps] = {};   // each map's lines - 1
  size_t line_[kMaxMaps] = {};   // first entry of each map's line
  size_t entry_[kMaxMaps] = {};  // each map's entry in use
};

// A hashed table of 16-byte slots in 64-byte buckets. A slot holds an 8-bit check
// and 15 bit-history states: one per node of the binary tree of a nibble (node n in
// 1..15 at byte n). Looking up a hash returns the slot whose check matches within
// its bucket, or else clears the least-used slot of the bucket and claims it.
//
// The table starts small and doubles (keeping every slot) whenever half its slots
// are in use, up to its maximum size, so a short input touches little memory.
class SlotTable {
 public:
  static constexpr int kSlotBytes = 16;
  static constexpr int kSlotsPerBucket = 4;
  static constexpr int kMinBucketBits = 10;
  static constexpr int kMaxBucketBits = kMinBucketBits + 16;

  SlotTable() = default;
  // `max_bytes`: a power of two, at most 2^(kMaxBucketBits + 6).
  explicit SlotTable(size_t max_bytes) {
    max_bucket_bits_ = kMinBucketBits;
    while ((size_t{64} << max_bucket_bits_) < max_bytes && max_bucket_bits_ < kMaxBucketBits) {
      ++max_bucket_bits_;
    }
    Allocate(kMinBucketBits);
  }
  bool ok() const { return ok_; }
  // Bytes allocated now.
  size_t bytes() const { return table_.size() + side_.size() * sizeof(uint16_t); }
  // Bytes at the largest size.
  static size_t MaxBytes(size_t max_bytes) { return max_bytes + max_bytes / 8; }

  void Prefetch(uint64_t hash) { PrefetchLine(table_.data() + (hash & bucket_mask_) * 64); }

  uint8_t* Find(uint64_t hash) {
    const auto check = static_cast<uint8_t>(hash >> 56);
    const size_t index = hash & bucket_mask_;
    uint8_t* bucket = table_.data() + index * 64;
    for (int i = 0; i < kSlotsPerBucket; ++i) {
      if (bucket[i * kSlotBytes] == check) return bucket + i * kSlotBytes;
    }
    // Claim the slot whose first node has seen the fewest bits.
    const auto& bh = BitHistory();
    int victim = 0;
    int victim_count = 1 << 30;
    for (int i = 0; i < kSlotsPerBucket; ++i) {
      const uint8_t first = bucket[i * kSlotBytes + 1];
      const int count = first == 0 ? -1 : bh.zeros[first] + bh.ones[first];
      if (count < victim_count) {
        victim_count = count;
        victim = i;
      }
    }
    if (victim_count < 0) ++used_;
    uint8_t* slot = bucket + victim * kSlotBytes;
    std::memset(slot, 0, kSlotBytes);
    slot[0] = check;
    side_[index * kSlotsPerBucket + victim] = static_cast<uint16_t>(hash >> kMinBucketBits);
    return slot;
  }

  // First byte of the table: slot pointers are offsets from it.
  uint8_t* base() { return table_.data(); }
  size_t table_bytes() const { return table_.size(); }

  template <typename Archive>
  void Serialize(Archive& ar) {
    int bits = bucket_bits_;
    uint64_t used = used_;
    ar.Pod(bits);
    ar.Pod(used);
    if (Archive::kLoading && (bits < kMinBucketBits || bits > max_bucket_bits_)) {
      return ar.Fail("slot table size does not fit the level");
    }
    table_.Serialize(ar);
    side_.Serialize(ar);
    if (Archive::kLoading) {
      if (table_.size() != (size_t{64} << bits) ||
          side_.size() != (size_t{1} << bits) * kSlotsPerBucket) {
        return ar.Fail("slot table sizes disagree");
      }
      bucket_bits_ = bits;
      bucket_mask_ = (size_t{1} << bits) - 1;
      used_ = static_cast<size_t>(used);
      ok_ = true;
    }
  }

  // Doubles the table if it is half full and may grow. Invalidates slot pointers.
  void MaybeGrow() {
    if (bucket_bits_ >= max_bucket_bits_ || used_ * 2 < (bucket_mask_ + 1) * kSlotsPerBucket) {
      return;
    }
    // In place: bucket b's slots stay in b or move to b + old_buckets, by the next
    // hash bit, keeping their order; the upper half starts zero.
    const size_t old_buckets = bucket_mask_ + 1;
    const int old_bits = bucket_bits_;
    if (!table_.Grow(size_t{128} << old_bits) ||
        !side_.Grow((size_t{2} << old_bits) * kSlotsPerBucket)) {
      max_bucket_bits_ = bucket_bits_;  // stay at this size
      return;
    }
    bucket_bits_ = old_bits + 1;
    bucket_mask_ = (size_t{1} << bucket_bits_) - 1;
    uint8_t* table = table_.data();
    uint16_t* sides = side_.data();
    for (size_t b = 0; b < old_buckets; ++b) {
      int filled[2] = {0, 0};
      for (int i = 0; i < kSlotsPerBucket; ++i) {
        uint8_t* slot = table + b * 64 + i * kSlotBytes;
        if (slot[1] == 0) continue;
        const uint16_t side = sides[b * kSlotsPerBucket + i];
        const int high = (side >> (old_bits - kMinBucketBits)) & 1;
        const size_t nb = b | (static_cast<size_t>(high) << old_bits);
        uint8_t* to = table + nb * 64 + filled[high] * kSlotBytes;
        if (to != slot) std::memcpy(to, slot, kSlotBytes);
        sides[nb * kSlotsPerBucket + filled[high]] = side;
        ++filled[high];
      }
      for (int i = filled[0]; i < kSlotsPerBucket; ++i) {
        std::memset(table + b * 64 + i * kSlotBytes, 0, kSlotBytes);
        sides[b * kSlotsPerBucket + i] = 0;
      }
    }
  }

 private:
  void Allocate(int bucket_bits) {
    bucket_bits_ = bucket_bits;
    bucket_mask_ = (size_t{1} << bucket_bits) - 1;
    table_ = ZeroArray<uint8_t>(size_t{64} << bucket_bits);
    side_ = ZeroArray<uint16_t>((size_t{1} << bucket_bits) * kSlotsPerBucket);
    ok_ = table_.ok() && side_.ok();
  }

  ZeroArray<uint8_t> table_;
  ZeroArray<uint16_t> side_;  // hash bits above the smallest index, per slot
  int bucket_bits_ = 0;
  int max_bucket_bits_ = 0;
  size_t bucket_mask_ = 0;
  size_t used_ = 0;
  bool ok_ = false;
};

// Integer kernels of the mixer, compiled for several instruction sets; every
// version computes exactly the same values.
// Sum over i of (x[i] * w[i]) >> 8. REQUIRES: |x[i]| < 2^11, |w[i]| < 2^20, n a
// multiple of 8.
int32_t DotProduct(const int32_t* x, const int32_t* w, int n);
// w[i] += (x[i] * err + 2^13) >> 14, clamped to |w[i]| < 2^20. REQUIRES: |x[i] * err| < 2^31,
// n a multiple of 8.
void TrainWeights(const int32_t* x, int32_t* w, int n, int err);

// Inputs of a mixer are read in groups of 8: callers pad them with zeros.
inline constexpr int PaddedInputs(int n) { return (n + 7) & ~7; }

// 16-bit kernels of the first mixer layer. The AVX2 and the scalar versions compute
// exactly the same values; the plain names pick one by the CPU.
// Sum over pairs i of (x[2i] * w[2i] + x[2i+1] * w[2i+1]) >> 8.
// REQUIRES: |x[i]| <= 2047, n a multiple of 16.
int32_t DotProduct16(const int16_t* x, const int16_t* w, int n);
// w[i] = saturate16(w[i] + ((x[i] * err + 2^14) >> 15)). REQUIRES: |err| <= 32767,
// n a multiple of 16.
void TrainWeights16(const int16_t* x, int16_t* w, int n, int err);
int32_t DotProduct16Scalar(const int16_t* x, const int16_t* w, int n);
void TrainWeights16Scalar(const int16_t* x, int16_t* w, int n, int err);
// REQUIRES: HaveAvx2().
int32_t DotProduct16Avx2(const int16_t* x, const int16_t* w, int n);
void TrainWeights16Avx2(const int16_t* x, int16_t* w, int n, int err);
bool HaveAvx2();

// Inputs of a 16-bit mixer are read in groups of 16: callers pad them with zeros.
inline constexpr int PaddedInputs16(int n) { return (n + 15) & ~15; }

// Several weight rows over the same inputs at once (each input is read once): for
// each s < sets, out[s] = DotProduct16(x, w[s], n), and TrainWeights16(x, w[s], n,
// err[s]). The AVX2 and the scalar versions compute exactly the same values.
// REQUIRES: as DotProduct16 and TrainWeights16; the rows do not overlap.
void DotProducts16(const int16_t* x, int16_t* const* w, int sets, int n, int32_t* out);
void TrainWeightsMany16(const int16_t* x, int16_t* const* w, int sets, int n, const int* err);
void DotProducts16Scalar(const int16_t* x, int16_t* const* w, int sets, int n, int32_t* out);
void TrainWeightsMany16Scalar(const int16_t* x, int16_t* const* w, int sets, int n, const int* err);
// REQUIRES: HaveAvx2().
void DotProducts16Avx2(const int16_t* x, int16_t* const* w, int sets, int n, int32_t* out);
void TrainWeightsMany16Avx2(const int16_t* x, int16_t* const* w, int sets, int n, const int* err);

// DotProduct16 and TrainWeights16 for n == 8 and n == 16, inline, in SSE2 (every
// x86-64 CPU has it): the very same values as the scalar versions.
inline __m128i PairSums16x8(const int16_t* x, const int16_t* w) {
  const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x));
  const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w));
  return _mm_srai_epi32(_mm_madd_epi16(a, b), 8);
}
inline int32_t SumLanes(__m128i s) {
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}
inline int32_t DotProduct16x8(const int16_t* x, const int16_t* w) { return SumLanes(PairSums16x8(x, w)); }
inline int32_t DotProduct16x16(const int16_t* x, const int16_t* w) {
  return SumLanes(_mm_add_epi32(PairSums16x8(x, w), PairSums16x8(x + 8, w + 8)));
}
inline void TrainWeights16x8(const int16_t* x, int16_t* w, int err) {
  const __m128i e = _mm_set1_epi16(static_cast<int16_t>(err));
  const __m128i half = _mm_set1_epi32(1 << 14);
  const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x));
  // The 32-bit products x * err, rounded and shifted as the scalar code does.
  const __m128i plo = _mm_mullo_epi16(a, e), phi = _mm_mulhi_epi16(a, e);
  const __m128i d0 = _mm_srai_epi32(_mm_add_epi32(_mm_unpacklo_epi16(plo, phi), half), 15);
  const __m128i d1 = _mm_srai_epi32(_mm_add_epi32(_mm_unpackhi_epi16(plo, phi), half), 15);
  __m128i* p = reinterpret_cast<__m128i*>(w);
  _mm_storeu_si128(p, _mm_adds_epi16(_mm_loadu_si128(p), _mm_packs_epi32(d0, d1)));
}
inline void TrainWeights16x16(const int16_t* x, int16_t* w, int err) {
  TrainWeights16x8(x, w, err);
  TrainWeights16x8(x + 8, w + 8, err);
}

// The arithmetic of a mixer: 32-bit inputs and 16.16 weights (|w| < 16), or 16-bit
// inputs (stretched, |x| <= 2047) and weights in units of 1/16384 (|w| < 2), which
// take twice the inputs per instruction.
struct MixerKernels32 {
  using Value = int32_t;
  static constexpr int kOne = 1 << 16;  // weight 1.0
  static constexpr int kOutputShift = 8;
  static constexpr int kErrorShift = 4;
  static int Padded(int n) { return PaddedInputs(n); }
  static int Lanes(int active) { return PaddedInputs(active); }
  static int32_t Dot(const int32_t* x, const int32_t* w, int n) { return DotProduct(x, w, n); }
  static void Train(const int32_t* x, int32_t* w, int n, int err) { TrainWeights(x, w, n, err); }
  static int32_t ClampWeight(int32_t w) {
    return w > (1 << 20) - 1 ? (1 << 20) - 1 : (w < 1 - (1 << 20) ? 1 - (1 << 20) : w);
  }
  static int ClampError(int err) { return err; }
};

struct MixerKernels16 {
  using Value = int16_t;
  static constexpr int kOne = 1 << 14;
  static constexpr int kOutputShift = 6;
  static constexpr int kErrorShift = 5;
  static int Padded(int n) { return PaddedInputs16(n); }
  // Inputs Dot and Train read for `active` inputs: those beyond are zero, and a zero
  // input neither adds to the sum nor moves its weight, so 8 suffice for up to 8.
  static int Lanes(int active) { return active <= 8 ? 8 : PaddedInputs16(active); }
  static int32_t Dot(const int16_t* x, const int16_t* w, int n) {
    if (n == 8) return DotProduct16x8(x, w);
    return n == 16 ? DotProduct16x16(x, w) : DotProduct16(x, w, n);
  }
  static void Train(const int16_t* x, int16_t* w, int n, int err) {
    if (n == 8) {
      TrainWeights16x8(x, w, err);
    } else if (n == 16) {
      TrainWeights16x16(x, w, err);
    } else {
      TrainWeights16(x, w, n, err);
    }
  }
  static int16_t ClampWeight(int16_t w) { return w; }
  static int ClampError(int err) { return err > 32767 ? 32767 : (err < -32767 ? -32767 : err); }
};

// Mixes stretched predictions with weights chosen by a selector context; learns by
// gradient descent on coding cost. The learning rate starts at four times its final
// value and falls as updates accumulate (and, with EnableRowDecay, as each row's do).
template <typename Kernels>
class BasicMixer {
 public:
  using Value = typename Kernels::Value;
  static constexpr int kOne = Kernels::kOne;  // weight 1.0

  BasicMixer() = default;
  BasicMixer(int inputs, int contexts, int init_weight)
      : inputs_(Kernels::Padded(inputs)) {
    // Each row written once (a mixer of many rows is made for every chunk).
    std::vector<Value> row(static_cast<size_t>(inputs_), 0);
    std::fill_n(row.begin(), inputs, static_cast<Value>(init_weight));
    weights_.reserve(row.size() * static_cast<size_t>(contexts));
    for (int r = 0; r < contexts; ++r) weights_.insert(weights_.end(), row.begin(), row.end());
  }

  // Stretched output for `x` with the weight row `cx`. Only the first `active` inputs
  // (default: all) take part, until the next Mix. REQUIRES: x holds
  // Kernels::Padded(active) values, zero beyond the inputs.
  int Mix(const Value* x, int cx, int active = 0) {
    const Value* w = Select(cx, active);
    return Finish(Kernels::Dot(x, w, active_));
  }
  // Mix(x, cx, active) for a 16-bit mixer and active <= 8, with the 8 inputs in one
  // vector (built in registers: the CPU need not forward 8 small stores to one load).
  int Mix8(__m128i x8, int cx) {
    row_index_ = cx;
    row_ = static_cast<size_t>(cx) * inputs_;
    active_ = 8;
    const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(weights_.data() + row_));
    return Finish(SumLanes(_mm_srai_epi32(_mm_madd_epi16(x8, w), 8)));
  }
  int p() const { return p_; }

  // Mix and Update in steps, for callers that run several mixers over the same
  // inputs with one kernel call (DotProducts16, TrainWeightsMany16). Select chooses
  // the row as Mix does and returns it; Finish takes Kernels::Dot of that row over
  // lanes() inputs and returns what Mix would have. Error returns the clamped error
  // that Update would train the row by (0: Update leaves it unchanged).
  Value* Select(int cx, int active) {
    row_index_ = cx;
    row_ = static_cast<size_t>(cx) * inputs_;
    active_ = active > 0 ? Kernels::Lanes(active) : inputs_;
    return weights_.data() + row_;
  }
  int lanes() const { return active_; }
  int Finish(int32_t dot) {
    int st = dot >> Kernels::kOutputShift;
    if (st > kStretchMax) st = kStretchMax;
    if (st < -kStretchMax) st = -kStretchMax;
    p_ = Squash(st);
    return st;
  }
  // `by_row`: with EnableRowDecay, also boost the rate by the row's own updates.
  int Error(int bit, int rate, bool by_row = false) {
    // The rate is boosted by 16 * (1 + 3 * 8192 / (updates + 8192)) in 1/16 units,
    // recomputed every 1024 updates.
    if ((updates_ & 1023) == 0) boost_ = static_cast<int>(16 + (48u * 8192u) / (updates_ + 8192u));
    if (updates_ < (1u << 30)) ++updates_;
    int boost = boost_;
    if (by_row && !row_updates_.empty()) {
      uint16_t& n = row_updates_[static_cast<size_t>(row_index_)];
      const int row_boost = row_boost_[n >> kRowUsesShift];
      n = static_cast<uint16_t>(n + (n < 65535));
      if (row_boost > boost) boost = row_boost;
    }
    return Kernels::ClampError((((bit << 12) - p_) * rate * boost) >> Kernels::kErrorShift);
  }
  // From now on Error(bit, rate, true) boosts the rate of a row that has been
  // trained n times (by such calls; n counted up to 65535) to at least 16 + extra *
  // half_life / (n' + half_life) in 1/16 units, n' being n rounded down to a multiple
  // of 8: a row chosen rarely learns fast in its first uses, whatever the mixer's
  // own count. REQUIRES: half_life >= 1, 0 <= extra <= 239.
  void EnableRowDecay(int half_life, int extra) {
    row_boost_.resize(65536 >> kRowUsesShift);
    for (size_t i = 0; i < row_boost_.size(); ++i) {
      const int64_t uses = static_cast<int64_t>(i) << kRowUsesShift;
      row_boost_[i] = static_cast<uint8_t>(16 + int64_t{extra} * half_life / (uses + half_life));
    }
    row_updates_.assign(weights_.size() / static_cast<size_t>(inputs_), 0);
  }
  Value* row() { return weights_.data() + row_; }

  // Sets input `i`'s weight (16.16) in every row.
  void SetWeight(int i, int32_t w) { SetWeights(i, 1, w); }
  // Sets the weights of inputs first .. first + count - 1 in rows row_begin ..
  // row_end - 1.
  void SetWeightsInRows(int row_begin, int row_end, int first, int count, int32_t w) {
    for (int r = row_begin; r < row_end; ++r) {
      std::fill_n(weights_.begin() + static_cast<ptrdiff_t>(r) * inputs_ + first, count, static_cast<Value>(w));
    }
  }
  // Fetches the first `active` weights of row `row` toward the cache; changes no value.
  void PrefetchRow(int row, int active) const {
    const char* p = reinterpret_cast<const char*>(weights_in_row(row));
    const size_t bytes = static_cast<size_t>(Kernels::Lanes(active)) * sizeof(Value);
    for (size_t o = 0; o < bytes; o += 64) PrefetchLine(p + o);
    PrefetchLine(p + bytes - 1);
  }
  // The weights of row `row`: Kernels::Padded(inputs) of them.
  Value* weights_in_row(int row) { return weights_.data() + static_cast<size_t>(row) * inputs_; }
  const Value* weights_in_row(int row) const { return weights_.data() + static_cast<size_t>(row) * inputs_; }
  // Sets the weights of inputs first .. first + count - 1 in every row.
  void SetWeights(int first, int count, int32_t w) {
    SetWeightsInRows(0, static_cast<int>(weights_.size() / static_cast<size_t>(inputs_)), first, count, w);
  }

  template <typename Archive>
  void Serialize(Archive& ar) {
    ar.Vector(weights_, weights_.size());
    ar.Pod(updates_);
    ar.Pod(boost_);
    ar.Vector(row_updates_, row_updates_.size());
    if (Archive::kLoading) {
      boost_ = boost_ < 16 ? 16 : (boost_ > 64 ? 64 : boost_);
      for (Value& w : weights_) w = Kernels::ClampWeight(w);
    }
  }

  // `rate`: final learning rate, 1..16 (the step is rate / 1024 in real units).
  void Update(const Value* x, int bit, int rate) {
    const int err = Error(bit, rate);
    if (err != 0) Kernels::Train(x, weights_.data() + row_, active_, err);
  }

 private:
  int inputs_ = 0;
  std::vector<Value> weights_;
  size_t row_ = 0;  // first weight of the row in use
  int active_ = 0;
  int p_ = 2048;
  uint32_t updates_ = 0;
  int boost_ = 64;
  int row_index_ = 0;  // the row in use
  // With EnableRowDecay: updates per row (saturating), and the rate boost (1/16
  // units) by updates / 2^kRowUsesShift.
  static constexpr int kRowUsesShift = 3;
  std::vector<uint16_t> row_updates_;
  std::vector<uint8_t> row_boost_;
};

using Mixer = BasicMixer<MixerKernels32>;
using Mixer16 = BasicMixer<MixerKernels16>;

// Adaptive probability map: refines a probability given a context by interpolating
// between 33 learned points over the stretched domain. Output is 16-bit.
// Entries are stored as offsets (mod 2^16) from their starting values, so a fresh
// table is all zeros and costs nothing until used.
class Apm {
 public:
  Apm() = default;
  Apm(size_t contexts, int rate) : table_(contexts * 33), rate_(rate) {
    for (int j = 0; j < 33; ++j) start_[j] = static_cast<uint16_t>(Squash16((j - 16) * 128));
  }
  bool ok() const { return table_.ok(); }
  int rate() const { return rate_; }  // the rate it was made with (Update(bit))

  template <typename Archive>
  void Serialize(Archive& ar) {
    const size_t size = table_.size();
    table_.Serialize(ar);
    if (Archive::kLoading && table_.size() != size) ar.Fail("APM size disagrees");
  }
  // 16-bit refined probability of stretched value `st` in context `cx`.
  [[gnu::always_inline]] int P(int st, size_t cx) {
    if (st > kStretchMax) st = kStretchMax;
    if (st < -kStretchMax) st = -kStretchMax;
    const int pos = st + 2048;
    weight_ = pos & 127;
    node_ = pos >> 7;
    index_ = cx * 33 + static_cast<size_t>(node_);
    point_[0] = Get(0);
    point_[1] = Get(1);
    return (point_[0] * (128 - weight_) + point_[1] * weight_) >> 7;
  }
  void Prefetch(size_t cx) {
    PrefetchLine(&table_[cx * 33]);
    PrefetchLine(&table_[cx * 33 + 32]);
  }
  [[gnu::always_inline]] void Update(int bit) { Update(bit, rate_); }
  // Update at another rate: the two nearest points move toward the bit by 2^-rate
  // of their distance, shared by their interpolation weights (the table's own rate
  // is the one it was made with). REQUIRES: P was called since the last Update.
  [[gnu::always_inline]] void Update(int bit, int rate) {
    const int target = bit ? 65535 : 0;
    Move(0, target, 128 - weight_, rate);
    Move(1, target, weight_, rate);
  }

 private:
  int Get(int k) const { return static_cast<uint16_t>(table_[index_ + k] + start_[node_ + k]); }
  void Move(int k, int target, int share, int rate) {
    const int v = point_[k];
    const int next = v + (((target - v) * share) >> (rate + 7));
    table_[index_ + k] = static_cast<uint16_t>(next - start_[node_ + k]);
  }
  ZeroArray<uint16_t> table_;
  uint16_t start_[33] = {};
  int rate_ = 7;
  size_t index_ = 0;
  int node_ = 0;
  int weight_ = 0;
  int point_[2] = {};  // the two points P read (16-bit probabilities)
};

}  // namespace lmzip::cm
