#include <bzlib.h>

#include <limits>
#include <memory>
#include <string>

#include "codec/baseline_codecs.h"

namespace lmzip {
namespace {

// Owns a bz_stream from its init; `End` is BZ2_bzCompressEnd or BZ2_bzDecompressEnd.
template <int (*End)(bz_stream*)>
class BzStream {
 public:
  BzStream() = default;
  ~BzStream() {
    if (initialised_) End(&stream_);
  }
  BzStream(const BzStream&) = delete;
  BzStream& operator=(const BzStream&) = delete;
  bz_stream* get() { return &stream_; }
  void set_initialised() { initialised_ = true; }

 private:
  bz_stream stream_{};
  bool initialised_ = false;
};

uint64_t TotalOut(const bz_stream& s) {
  return (uint64_t{s.total_out_hi32} << 32) | s.total_out_lo32;
}

class Bzip2Codec final : public Codec {
 public:
  explicit Bzip2Codec(int block_size_100k) : block_size_100k_(block_size_100k) {}
  std::string name() const override { return "bzip2"; }

  Result<std::vector<uint8_t>> Compress(std::span<const uint8_t> input) const override {
    if (input.size() > std::numeric_limits<unsigned int>::max() / 2) {
      return Status::NotSupported("bzip2: input over 2 GiB");
    }
    BzStream<BZ2_bzCompressEnd> bz;
    if (BZ2_bzCompressInit(bz.get(), block_size_100k_, 0, 0) != BZ_OK) {
      return Status::InvalidArgument("bzip2: BZ2_bzCompressInit failed");
    }
    bz.set_initialised();
    // bzip2's documented bound: 1% larger plus 600 bytes.
    std::vector<uint8_t> out(input.size() + input.size() / 100 + 600);
    bz.get()->next_in = reinterpret_cast<char*>(const_cast<uint8_t*>(input.data()));
    bz.get()->avail_in = static_cast<unsigned int>(input.size());
    bz.get()->next_out = reinterpret_cast<char*>(out.data());
    bz.get()->avail_out = static_cast<unsigned int>(out.size());
    if (BZ2_bzCompress(bz.get(), BZ_FINISH) != BZ_STREAM_END) {
      return Status::Corruption("bzip2: compressor did not finish within its bound");
    }
    out.resize(TotalOut(*bz.get()));
    return out;
  }

  Result<std::vector<uint8_t>> Decompress(std::span<const uint8_t> input,
                                          size_t original_size) const override {
    if (input.size() > std::numeric_limits<unsigned int>::max() ||
        original_size >= std::numeric_limits<unsigned int>::max()) {
      return Status::NotSupported("bzip2: stream over 4 GiB");
    }
    BzStream<BZ2_bzDecompressEnd> bz;
    if (BZ2_bzDecompressInit(bz.get(), 0, 0) != BZ_OK) {
      return Status::InvalidArgument("bzip2: BZ2_bzDecompressInit failed");
    }
    bz.set_initialised();
    std::vector<uint8_t> out(original_size + 1);
    bz.get()->next_in = reinterpret_cast<char*>(const_cast<uint8_t*>(input.data()));
    bz.get()->avail_in = static_cast<unsigned int>(input.size());
    bz.get()->next_out = reinterpret_cast<char*>(out.data());
    bz.get()->avail_out = static_cast<unsigned int>(out.size());
    const int rc = BZ2_bzDecompress(bz.get());
    if (rc != BZ_STREAM_END) {
      return Status::Corruption(rc == BZ_OK ? "bzip2: truncated or oversized stream"
                                            : "bzip2: damaged stream (error " +
                                                  std::to_string(rc) + ")");
    }
    if (TotalOut(*bz.get()) != original_size) {
      return Status::Corruption("bzip2: decoded " + std::to_string(TotalOut(*bz.get())) +
                                " bytes, expected " + std::to_string(original_size));
    }
    if (bz.get()->avail_in != 0) return Status::Corruption("bzip2: trailing bytes after the stream");
    out.resize(original_size);
    return out;
  }

 private:
  int block_size_100k_;
};

}  // namespace

std::unique_ptr<Codec> NewBzip2Codec(int block_size_100k) {
  return std::make_unique<Bzip2Codec>(block_size_100k);
}

}  // namespace lmzip
