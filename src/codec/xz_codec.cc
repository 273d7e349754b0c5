#include <lzma.h>

#include <algorithm>
#include <memory>
#include <string>

#include "codec/baseline_codecs.h"

namespace lmzip {
namespace {

// The most memory the decoder may use; the -9e preset needs about 65 MiB.
constexpr uint64_t kDecoderMemoryLimit = uint64_t{256} << 20;

// Owns an lzma_stream from its init to lzma_end.
class LzmaStream {
 public:
  LzmaStream() = default;
  ~LzmaStream() { lzma_end(&stream_); }
  LzmaStream(const LzmaStream&) = delete;
  LzmaStream& operator=(const LzmaStream&) = delete;
  lzma_stream* get() { return &stream_; }

 private:
  lzma_stream stream_ = LZMA_STREAM_INIT;
};

std::string LzmaError(lzma_ret rc) {
  switch (rc) {
    case LZMA_MEM_ERROR: return "out of memory";
    case LZMA_MEMLIMIT_ERROR: return "needs more memory than the limit";
    case LZMA_FORMAT_ERROR: return "not an .xz stream";
    case LZMA_OPTIONS_ERROR: return "unsupported options";
    case LZMA_DATA_ERROR: return "damaged data";
    case LZMA_BUF_ERROR: return "truncated or oversized stream";
    default: return "error " + std::to_string(static_cast<int>(rc));
  }
}

class XzCodec final : public Codec {
 public:
  XzCodec(uint32_t preset, bool extreme) : preset_(preset), extreme_(extreme) {}
  std::string name() const override {
    if (!extreme_ && preset_ == 6) return "lzma2";
    return "lzma2-" + std::to_string(preset_) + (extreme_ ? "e" : "");
  }

  Result<std::vector<uint8_t>> Compress(std::span<const uint8_t> input) const override {
    lzma_options_lzma lzma{};
    if (lzma_lzma_preset(&lzma, preset_ | (extreme_ ? LZMA_PRESET_EXTREME : 0))) {
      return Status::InvalidArgument("xz: unsupported preset " + std::to_string(preset_));
    }
    // A dictionary larger than the input finds no more matches; shrinking it to the
    // input (as xz(1) does for small files) changes one header byte, not the size, and
    // spares allocating the preset's 8-64 MiB for every 2 KiB chunk.
    lzma.dict_size = static_cast<uint32_t>(
        std::clamp<uint64_t>(input.size(), LZMA_DICT_SIZE_MIN, lzma.dict_size));
    const lzma_filter filters[] = {{LZMA_FILTER_LZMA2, &lzma},
                                   {LZMA_VLI_UNKNOWN, nullptr}};
    LzmaStream z;
    lzma_ret rc = lzma_stream_encoder(z.get(), filters, LZMA_CHECK_CRC64);
    if (rc != LZMA_OK) return Status::InvalidArgument("xz: encoder init: " + LzmaError(rc));
    std::vector<uint8_t> out(lzma_stream_buffer_bound(input.size()));
    z.get()->next_in = input.data();
    z.get()->avail_in = input.size();
    z.get()->next_out = out.data();
    z.get()->avail_out = out.size();
    rc = lzma_code(z.get(), LZMA_FINISH);
    if (rc != LZMA_STREAM_END) return Status::Corruption("xz: encoder: " + LzmaError(rc));
    out.resize(z.get()->total_out);
    return out;
  }

  Result<std::vector<uint8_t>> Decompress(std::span<const uint8_t> input,
                                          size_t original_size) const override {
    LzmaStream z;
    lzma_ret rc = lzma_stream_decoder(z.get(), kDecoderMemoryLimit, 0);
    if (rc != LZMA_OK) return Status::InvalidArgument("xz: decoder init: " + LzmaError(rc));
    std::vector<uint8_t> out(original_size + 1);
    z.get()->next_in = input.data();
    z.get()->avail_in = input.size();
    z.get()->next_out = out.data();
    z.get()->avail_out = out.size();
    rc = lzma_code(z.get(), LZMA_FINISH);
    if (rc != LZMA_STREAM_END) return Status::Corruption("xz: " + LzmaError(rc));
    if (z.get()->total_out != original_size) {
      return Status::Corruption("xz: decoded " + std::to_string(z.get()->total_out) +
                                " bytes, expected " + std::to_string(original_size));
    }
    if (z.get()->avail_in != 0) return Status::Corruption("xz: trailing bytes after the stream");
    out.resize(original_size);
    return out;
  }

 private:
  uint32_t preset_;
  bool extreme_;
};

}  // namespace

std::unique_ptr<Codec> NewXzCodec(uint32_t preset, bool extreme) {
  return std::make_unique<XzCodec>(preset, extreme);
}

}  // namespace lmzip
