#include "coder/arithmetic_coder.h"
#include "lmzip/model.h"

namespace lmzip {

int CodeByte(Predictor& model, ArithmeticCoder& coder, int byte) {
  if (model.granularity() == Predictor::Granularity::kByte) {
    uint32_t cdf[257];
    model.PredictByte(std::span<uint32_t, 257>(cdf, 257));
    const int b = coder.CodeSymbol(byte, std::span<const uint32_t>(cdf, 257), kCdfBits);
    model.UpdateByte(static_cast<uint8_t>(b));
    return b;
  }
  int c = 0;
  for (int i = 7; i >= 0; --i) {
    const int bit = coder.CodeBit((byte >> i) & 1, model.PredictBit());
    model.UpdateBit(bit);
    c = (c << 1) | bit;
  }
  return c;
}

}  // namespace lmzip
