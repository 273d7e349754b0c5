#include <brotli/decode.h>
#include <brotli/encode.h>

#include <algorithm>
#include <memory>
#include <string>

#include "codec/baseline_codecs.h"

namespace lmzip {
namespace {

struct EncoderDeleter {
  void operator()(BrotliEncoderState* s) const { BrotliEncoderDestroyInstance(s); }
};
struct DecoderDeleter {
  void operator()(BrotliDecoderState* s) const { BrotliDecoderDestroyInstance(s); }
};

class BrotliCodec final : public Codec {
 public:
  BrotliCodec(int quality, int window_bits) : quality_(quality), window_bits_(window_bits) {}
  std::string name() const override { return "brotli"; }

  Result<std::vector<uint8_t>> Compress(std::span<const uint8_t> input) const override {
    std::unique_ptr<BrotliEncoderState, EncoderDeleter> enc(
        BrotliEncoderCreateInstance(nullptr, nullptr, nullptr));
    if (!enc) return Status::InvalidArgument("brotli: out of memory");
    BrotliEncoderSetParameter(enc.get(), BROTLI_PARAM_QUALITY, static_cast<uint32_t>(quality_));
    // The window shrinks to the input (as BrotliEncoderCompress does), so that small
    // chunks do not pay for a 16 MiB ring buffer.
    int window_bits = BROTLI_MIN_WINDOW_BITS;
    while (window_bits < window_bits_ && (size_t{1} << window_bits) - 16 < input.size()) {
      ++window_bits;
    }
    BrotliEncoderSetParameter(enc.get(), BROTLI_PARAM_LGWIN, static_cast<uint32_t>(window_bits));
    BrotliEncoderSetParameter(enc.get(), BROTLI_PARAM_SIZE_HINT,
                              static_cast<uint32_t>(std::min<size_t>(input.size(), 1u << 30)));
    std::vector<uint8_t> out(BrotliEncoderMaxCompressedSize(input.size()) + 64);
    size_t avail_in = input.size();
    const uint8_t* next_in = input.data();
    size_t avail_out = out.size();
    uint8_t* next_out = out.data();
    if (!BrotliEncoderCompressStream(enc.get(), BROTLI_OPERATION_FINISH, &avail_in, &next_in,
                                     &avail_out, &next_out, nullptr) ||
        !BrotliEncoderIsFinished(enc.get())) {
      return Status::Corruption("brotli: encoder did not finish within its bound");
    }
    out.resize(out.size() - avail_out);
    return out;
  }

  Result<std::vector<uint8_t>> Decompress(std::span<const uint8_t> input,
                                          size_t original_size) const override {
    std::unique_ptr<BrotliDecoderState, DecoderDeleter> dec(
        BrotliDecoderCreateInstance(nullptr, nullptr, nullptr));
    if (!dec) return Status::InvalidArgument("brotli: out of memory");
    std::vector<uint8_t> out(original_size + 1);
    size_t avail_in = input.size();
    const uint8_t* next_in = input.data();
    size_t avail_out = out.size();
    uint8_t* next_out = out.data();
    const BrotliDecoderResult rc = BrotliDecoderDecompressStream(
        dec.get(), &avail_in, &next_in, &avail_out, &next_out, nullptr);
    if (rc == BROTLI_DECODER_RESULT_ERROR) {
      return Status::Corruption(std::string("brotli: ") +
                                BrotliDecoderErrorString(BrotliDecoderGetErrorCode(dec.get())));
    }
    if (rc != BROTLI_DECODER_RESULT_SUCCESS) {
      return Status::Corruption("brotli: truncated or oversized stream");
    }
    const size_t produced = out.size() - avail_out;
    if (produced != original_size) {
      return Status::Corruption("brotli: decoded " + std::to_string(produced) +
                                " bytes, expected " + std::to_string(original_size));
    }
    if (avail_in != 0) return Status::Corruption("brotli: trailing bytes after the stream");
    out.resize(produced);
    return out;
  }

 private:
  int quality_;
  int window_bits_;
};

}  // namespace

std::unique_ptr<Codec> NewBrotliCodec(int quality, int window_bits) {
  return std::make_unique<BrotliCodec>(quality, window_bits);
}

}  // namespace lmzip
