#include <zlib.h>

#include <limits>
#include <memory>
#include <string>

#include "codec/baseline_codecs.h"

namespace lmzip {
namespace {

constexpr int kGzipWindowBits = 15 + 16;  // 32 KiB window, gzip framing
constexpr int kMemLevel = 8;              // as gzip(1)

// Owns an initialised z_stream; `End` is deflateEnd or inflateEnd.
template <int (*End)(z_streamp)>
class ZStream {
 public:
  ZStream() = default;
  ~ZStream() {
    if (initialised_) End(&stream_);
  }
  ZStream(const ZStream&) = delete;
  ZStream& operator=(const ZStream&) = delete;
  z_stream* get() { return &stream_; }
  void set_initialised() { initialised_ = true; }

 private:
  z_stream stream_{};
  bool initialised_ = false;
};

class GzipCodec final : public Codec {
 public:
  explicit GzipCodec(int level) : level_(level) {}
  std::string name() const override { return "gzip"; }

  Result<std::vector<uint8_t>> Compress(std::span<const uint8_t> input) const override {
    if (input.size() > std::numeric_limits<uInt>::max()) {
      return Status::NotSupported("gzip: input over 4 GiB");
    }
    ZStream<deflateEnd> z;
    if (deflateInit2(z.get(), level_, Z_DEFLATED, kGzipWindowBits, kMemLevel,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
      return Status::InvalidArgument("gzip: deflateInit2 failed");
    }
    z.set_initialised();
    std::vector<uint8_t> out(deflateBound(z.get(), input.size()) + 32);
    z.get()->next_in = const_cast<Bytef*>(input.data());
    z.get()->avail_in = static_cast<uInt>(input.size());
    z.get()->next_out = out.data();
    z.get()->avail_out = static_cast<uInt>(out.size());
    if (deflate(z.get(), Z_FINISH) != Z_STREAM_END) {
      return Status::Corruption("gzip: deflate did not finish within its bound");
    }
    out.resize(z.get()->total_out);
    return out;
  }

  Result<std::vector<uint8_t>> Decompress(std::span<const uint8_t> input,
                                          size_t original_size) const override {
    if (input.size() > std::numeric_limits<uInt>::max() ||
        original_size >= std::numeric_limits<uInt>::max()) {
      return Status::NotSupported("gzip: stream over 4 GiB");
    }
    ZStream<inflateEnd> z;
    if (inflateInit2(z.get(), kGzipWindowBits) != Z_OK) {
      return Status::InvalidArgument("gzip: inflateInit2 failed");
    }
    z.set_initialised();
    // One spare byte tells "longer than expected" from "exactly right".
    std::vector<uint8_t> out(original_size + 1);
    z.get()->next_in = const_cast<Bytef*>(input.data());
    z.get()->avail_in = static_cast<uInt>(input.size());
    z.get()->next_out = out.data();
    z.get()->avail_out = static_cast<uInt>(out.size());
    const int rc = inflate(z.get(), Z_FINISH);
    if (rc != Z_STREAM_END) {
      const char* why = z.get()->msg != nullptr ? z.get()->msg : "truncated or oversized stream";
      return Status::Corruption(std::string("gzip: ") + why);
    }
    if (z.get()->total_out != original_size) {
      return Status::Corruption("gzip: decoded " + std::to_string(z.get()->total_out) +
                                " bytes, expected " + std::to_string(original_size));
    }
    if (z.get()->avail_in != 0) return Status::Corruption("gzip: trailing bytes after the stream");
    out.resize(original_size);
    return out;
  }

 private:
  int level_;
};

}  // namespace

std::unique_ptr<Codec> NewGzipCodec(int level) { return std::make_unique<GzipCodec>(level); }

}  // namespace lmzip
