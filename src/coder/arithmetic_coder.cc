#include "coder/arithmetic_coder.h"

#include <algorithm>
#include <cassert>

namespace lmzip {

ArithmeticCoder::ArithmeticCoder(std::vector<uint8_t>* out)
    : mode_(Mode::kEncode), out_(out), out_start_(out->size()) {}

ArithmeticCoder::ArithmeticCoder(std::span<const uint8_t> in) : mode_(Mode::kDecode), in_(in) {
  // The encoder never writes the leading byte of the code value (it is always 0),
  // so the first four bytes fill the 32-bit window.
  for (int i = 0; i < 4; ++i) code_ = (code_ << 8) | NextByte();
}

void ArithmeticCoder::ShiftLow() {
  // low_ holds 32 bits of the interval's lower end plus a carry in bit 32. The top
  // byte is held back (in cache_, followed by cache_size_ - 1 bytes of 0xFF) until it
  // is known that no carry can reach it.
  if (static_cast<uint32_t>(low_) < 0xFF000000u || (low_ >> 32) != 0) {
    const uint8_t carry = static_cast<uint8_t>(low_ >> 32);
    // The very first byte is the code value's integer part, always 0: not written.
    if (!first_byte_) out_->push_back(static_cast<uint8_t>(cache_ + carry));
    first_byte_ = false;
    for (; cache_size_ > 1; --cache_size_) out_->push_back(static_cast<uint8_t>(0xFF + carry));
    cache_size_ = 0;
    cache_ = static_cast<uint8_t>(low_ >> 24);
  }
  ++cache_size_;
  low_ = (low_ & 0x00FFFFFFu) << 8;
}

void ArithmeticCoder::Normalize() {
  if (mode_ == Mode::kEncode) {
    while (range_ < kTop) {
      range_ <<= 8;
      ShiftLow();
    }
  } else {
    while (range_ < kTop) {
      range_ <<= 8;
      code_ = (code_ << 8) | NextByte();
    }
  }
}

int ArithmeticCoder::CodeSymbol(int symbol, std::span<const uint32_t> cdf, int total_bits) {
  assert(cdf.size() >= 2 && total_bits >= 1 && total_bits <= 24);
  const int n = static_cast<int>(cdf.size()) - 1;
  auto scaled = [&](int s) {
    return static_cast<uint32_t>((static_cast<uint64_t>(range_) * cdf[s]) >> total_bits);
  };
  if (mode_ == Mode::kDecode) {
    // Largest s with scaled(s) <= code_; scaled() is monotone in s.
    int lo = 0, hi = n - 1;
    while (lo < hi) {
      const int mid = (lo + hi + 1) / 2;
      if (scaled(mid) <= code_) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    symbol = lo;
  }
  assert(symbol >= 0 && symbol < n);
  const uint32_t start = scaled(symbol);
  const uint32_t end = scaled(symbol + 1);
  if (mode_ == Mode::kEncode) {
    low_ += start;
  } else {
    code_ -= start;
  }
  range_ = end - start;
  Normalize();
  return symbol;
}

void ArithmeticCoder::Flush() {
  assert(mode_ == Mode::kEncode);
  // Pick the value in [low, low + range) with the most trailing zero bits, emit it
  // whole, then drop trailing zero bytes: the decoder reads zeros past the end.
  for (int shift = 32; shift >= 0; --shift) {
    const uint64_t mask = (uint64_t{1} << shift) - 1;
    const uint64_t v = (low_ + mask) & ~mask;
    if (v < low_ + range_) {
      low_ = v;
      break;
    }
  }
  for (int i = 0; i < 5; ++i) ShiftLow();
  while (out_->size() > out_start_ && out_->back() == 0) out_->pop_back();
}

void MakeCdf(std::span<const uint32_t> weights, int total_bits, std::vector<uint32_t>* cdf) {
  const size_t n = weights.size();
  assert(n >= 1 && n <= (size_t{1} << total_bits));
  const uint64_t total = uint64_t{1} << total_bits;
  uint64_t sum = 0;
  for (uint32_t w : weights) sum += w;
  // Reserve one unit per symbol, share the rest in proportion to the weights.
  const uint64_t spare = total - n;
  cdf->assign(n + 1, 0);
  uint64_t acc = 0;      // running sum of weights
  for (size_t i = 0; i < n; ++i) {
    acc += weights[i];
    const uint64_t share =
        sum == 0 ? (spare * (i + 1)) / n
                 : static_cast<uint64_t>((static_cast<unsigned __int128>(spare) * acc) / sum);
    (*cdf)[i + 1] = static_cast<uint32_t>(share + i + 1);
  }
  (*cdf)[n] = static_cast<uint32_t>(total);
}

}  // namespace lmzip
