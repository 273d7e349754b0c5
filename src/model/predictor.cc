#include "coder/arithmetic_coder.h"
#include "lmzip/model.h"

namespace lmzip {

int Predictor::Code(ArithmeticCoder& coder, int byte) {
  if (granularity() == Granularity::kByte) {
    uint32_t cdf[257];
    PredictByte(std::span<uint32_t, 257>(cdf, 257));
    const int b = coder.CodeSymbol(byte, std::span<const uint32_t>(cdf, 257), kCdfBits);
    UpdateByte(static_cast<uint8_t>(b));
    return b;
  }
  int c = 0;
  for (int i = 7; i >= 0; --i) {
    const int bit = coder.CodeBit((byte >> i) & 1, PredictBit());
    UpdateBit(bit);
    c = (c << 1) | bit;
  }
  return c;
}

int CodeByte(Predictor& model, ArithmeticCoder& coder, int byte) { return model.Code(coder, byte); }

}  // namespace lmzip
