// The classical compressors lmzip is measured against, each the real library behind
// the Codec interface. Every Decompress treats its input as hostile: a damaged or
// foreign stream, or one that decodes to more or fewer than `original_size` bytes,
// gives Corruption, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "lmzip/codec.h"

namespace lmzip {

// zlib deflate in gzip framing (RFC 1952), level 1..9. Name "gzip".
std::unique_ptr<Codec> NewGzipCodec(int level = 9);

// liblzma .xz (LZMA2 filter, CRC64 check), preset 0..9, `extreme` as xz -e.
// Names "lzma2" (preset 6) and "lzma2-9e".
std::unique_ptr<Codec> NewXzCodec(uint32_t preset = 6, bool extreme = false);

// Zstandard frame with content size and checksum, level 1..22. Name "zstd".
std::unique_ptr<Codec> NewZstdCodec(int level = 19);

// Brotli stream, quality 0..11, window 2^window_bits bytes. Name "brotli".
std::unique_ptr<Codec> NewBrotliCodec(int quality = 11, int window_bits = 24);

// bzip2 stream, block size 100k..900k (1..9). Name "bzip2".
std::unique_ptr<Codec> NewBzip2Codec(int block_size_100k = 9);

// PNG (libpng, zlib level 9, adaptive filters): the bytes as one 8-bit grayscale
// image. Name "png". See ChoosePngLayout for the image shape.
std::unique_ptr<Codec> NewPngCodec();

// FLAC (libFLAC, compression level 8, encoder verification on): each byte an 8-bit
// unsigned mono sample at `sample_rate` Hz (the rate only labels the stream).
// Name "flac".
std::unique_ptr<Codec> NewFlacCodec(uint32_t sample_rate = 16000);

// The image shape PNG stores `n` bytes in. When n factors as rows * cols with the two
// factors nearest each other (rows <= cols, a 2048-byte chunk is 32 x 64) and the image
// is no flatter than 1:kMaxPngAspect, that shape is used as is. Otherwise (a prime
// length, n == 0) rows of ceil(sqrt(n)) pixels are padded with zeros and the length
// is recorded in a private ancillary chunk.
inline constexpr uint64_t kMaxPngAspect = 64;
struct PngLayout {
  uint32_t rows = 0;
  uint32_t cols = 0;
  bool padded = false;
};
PngLayout ChoosePngLayout(uint64_t n);

}  // namespace lmzip
