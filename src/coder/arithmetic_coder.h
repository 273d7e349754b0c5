// The arithmetic coder: the only place in lmzip that writes or reads code bits.
//
// A carry-propagating range coder with a 32-bit range and 64-bit integer products.
// Integer-only, so the code stream depends on nothing but the probabilities fed in.
//
// One object serves both directions: CodeBit/CodeSymbol take the true symbol when
// encoding and return the decoded symbol when decoding, so a model driven through
// them is queried and updated by the very same code path either way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace lmzip {

// Probability that a bit is 1, in units of 1/65536. Valid range [1, 65535].
using Prob16 = uint32_t;
inline constexpr int kProbBits = 16;
inline constexpr Prob16 kProbOne = 1u << kProbBits;

class ArithmeticCoder {
 public:
  enum class Mode { kEncode, kDecode };

  // Encoder writing into `out` (appended to).
  explicit ArithmeticCoder(std::vector<uint8_t>* out);
  // Decoder reading from `in`. The span must outlive the coder.
  explicit ArithmeticCoder(std::span<const uint8_t> in);

  Mode mode() const { return mode_; }

  // Codes one binary decision. `p1` is P(bit == 1) in [1, 65535] (clamped if not).
  // Encoding: `bit` is the bit to write; returns it. Decoding: `bit` is ignored;
  // returns the decoded bit.
  int CodeBit(int bit, Prob16 p1) {
    return mode_ == Mode::kEncode ? EncodeBit(bit, p1) : DecodeBit(p1);
  }
  // CodeBit for a coder known to encode (REQUIRES: mode() == kEncode): codes `bit`
  // and returns it.
  int EncodeBit(int bit, Prob16 p1) {
    const uint32_t bound = Bound(p1);
    // The lower part of the interval, of width `bound`, codes a 1.
    if (bit) {
      range_ = bound;
    } else {
      low_ += bound;
      range_ -= bound;
    }
    while (range_ < kTop) {
      range_ <<= 8;
      ShiftLow();
    }
    return bit;
  }
  // CodeBit for a coder known to decode (REQUIRES: mode() == kDecode): returns the
  // decoded bit.
  int DecodeBit(Prob16 p1) {
    const uint32_t bound = Bound(p1);
    const int bit = code_ < bound ? 1 : 0;
    if (bit) {
      range_ = bound;
    } else {
      code_ -= bound;
      range_ -= bound;
    }
    while (range_ < kTop) {
      range_ <<= 8;
      code_ = (code_ << 8) | NextByte();
    }
    return bit;
  }

  // Codes one symbol of an alphabet of `cdf.size() - 1` symbols. `cdf` is a
  // cumulative table: cdf[0] == 0, cdf.back() == 1 << total_bits, strictly increasing
  // (every symbol has a frequency of at least 1). total_bits is at most 24.
  // REQUIRES: the table satisfies the above; callers build it with MakeCdf.
  int CodeSymbol(int symbol, std::span<const uint32_t> cdf, int total_bits);

  // Encoding: writes the final bytes. Must be called once after the last symbol.
  void Flush();

  // Decoding: bytes consumed so far. The encoder drops trailing zero bytes, which the
  // decoder supplies, so this may exceed the input's size.
  size_t position() const { return pos_; }

 private:
  static constexpr uint32_t kTop = 1u << 24;  // renormalise when the range falls below this

  // Width of the part of the interval that codes a 1, for p1 clamped to [1, 65535].
  uint32_t Bound(Prob16 p1) const {
    p1 = p1 < 1 ? 1 : (p1 > kProbOne - 1 ? kProbOne - 1 : p1);
    return static_cast<uint32_t>((static_cast<uint64_t>(range_) * p1) >> kProbBits);
  }
  void ShiftLow();
  void Normalize();
  uint8_t NextByte() {
    // Past the end the stream reads as zeros: the encoder strips trailing zeros.
    const uint8_t b = pos_ < in_.size() ? in_[pos_] : 0;
    ++pos_;
    return b;
  }

  Mode mode_;
  uint32_t range_ = 0xFFFFFFFFu;
  // Encoder state.
  uint64_t low_ = 0;
  uint8_t cache_ = 0;
  uint64_t cache_size_ = 1;  // pending bytes: cache_ then cache_size_ - 1 of 0xFF
  bool first_byte_ = true;
  std::vector<uint8_t>* out_ = nullptr;
  size_t out_start_ = 0;
  // Decoder state.
  uint32_t code_ = 0;
  std::span<const uint8_t> in_;
  size_t pos_ = 0;
};

// Builds a strictly increasing CDF with total 1 << total_bits from non-negative
// weights (any scale). Every symbol gets a frequency of at least 1, so a symbol the
// model thinks impossible can still be coded. `cdf` receives weights.size() + 1 entries.
void MakeCdf(std::span<const uint32_t> weights, int total_bits, std::vector<uint32_t>* cdf);

}  // namespace lmzip
