#include <zstd.h>

#include <memory>
#include <string>

#include "codec/baseline_codecs.h"

namespace lmzip {
namespace {

struct CCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxDeleter {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};
using CCtxPtr = std::unique_ptr<ZSTD_CCtx, CCtxDeleter>;
using DCtxPtr = std::unique_ptr<ZSTD_DCtx, DCtxDeleter>;

// log2 of the largest window the decoder accepts (as zstd's default limit).
constexpr int kMaxWindowLog = 27;

class ZstdCodec final : public Codec {
 public:
  explicit ZstdCodec(int level) : level_(level) {}
  std::string name() const override { return "zstd"; }

  Result<std::vector<uint8_t>> Compress(std::span<const uint8_t> input) const override {
    CCtxPtr cctx(ZSTD_createCCtx());
    if (!cctx) return Status::InvalidArgument("zstd: out of memory");
    ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, level_);
    ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1);
    std::vector<uint8_t> out(ZSTD_compressBound(input.size()));
    const size_t n = ZSTD_compress2(cctx.get(), out.data(), out.size(), input.data(), input.size());
    if (ZSTD_isError(n)) return Status::Corruption(std::string("zstd: ") + ZSTD_getErrorName(n));
    out.resize(n);
    return out;
  }

  Result<std::vector<uint8_t>> Decompress(std::span<const uint8_t> input,
                                          size_t original_size) const override {
    DCtxPtr dctx(ZSTD_createDCtx());
    if (!dctx) return Status::InvalidArgument("zstd: out of memory");
    ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, kMaxWindowLog);
    // The frame must hold exactly one frame of exactly original_size bytes.
    const size_t frame = ZSTD_findFrameCompressedSize(input.data(), input.size());
    if (ZSTD_isError(frame)) return Status::Corruption(std::string("zstd: ") + ZSTD_getErrorName(frame));
    if (frame != input.size()) return Status::Corruption("zstd: trailing bytes after the frame");
    std::vector<uint8_t> out(original_size + 1);
    const size_t n =
        ZSTD_decompressDCtx(dctx.get(), out.data(), out.size(), input.data(), input.size());
    if (ZSTD_isError(n)) return Status::Corruption(std::string("zstd: ") + ZSTD_getErrorName(n));
    if (n != original_size) {
      return Status::Corruption("zstd: decoded " + std::to_string(n) + " bytes, expected " +
                                std::to_string(original_size));
    }
    out.resize(n);
    return out;
  }

 private:
  int level_;
};

}  // namespace

std::unique_ptr<Codec> NewZstdCodec(int level) { return std::make_unique<ZstdCodec>(level); }

}  // namespace lmzip
