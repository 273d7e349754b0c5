#include <png.h>

#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "codec/baseline_codecs.h"

namespace lmzip {
namespace {

// Private ancillary chunk holding the unpadded length (8 bytes, big-endian) of a
// padded image.
constexpr png_byte kLengthChunk[5] = {'l', 'm', 'Z', 'l', '\0'};
constexpr int kZlibLevel = 9;

struct PngErrorContext {
  char message[256] = "unknown error";
};

// libpng reports fatal errors here; control returns to the setjmp in the caller.
[[noreturn]] void OnPngError(png_structp png, png_const_charp message) {
  auto* ctx = static_cast<PngErrorContext*>(png_get_error_ptr(png));
  std::snprintf(ctx->message, sizeof(ctx->message), "%s", message);
  png_longjmp(png, 1);
}
void OnPngWarning(png_structp, png_const_charp) {}

struct PngWriteHandles {
  png_structp png = nullptr;
  png_infop info = nullptr;
  ~PngWriteHandles() { png_destroy_write_struct(&png, info != nullptr ? &info : nullptr); }
};
struct PngReadHandles {
  png_structp png = nullptr;
  png_infop info = nullptr;
  ~PngReadHandles() { png_destroy_read_struct(&png, info != nullptr ? &info : nullptr, nullptr); }
};

void WriteToVector(png_structp png, png_bytep data, size_t n) {
  auto* out = static_cast<std::vector<uint8_t>*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + n);
}
void FlushNothing(png_structp) {}

struct MemoryReader {
  std::span<const uint8_t> input;
  size_t pos = 0;
};
void ReadFromMemory(png_structp png, png_bytep data, size_t n) {
  auto* reader = static_cast<MemoryReader*>(png_get_io_ptr(png));
  if (reader->input.size() - reader->pos < n) png_error(png, "truncated stream");
  std::memcpy(data, reader->input.data() + reader->pos, n);
  reader->pos += n;
}

struct LengthRecord {
  bool found = false;
  uint64_t length = 0;
};
int OnUserChunk(png_structp png, png_unknown_chunkp chunk) {
  if (std::memcmp(chunk->name, kLengthChunk, 4) != 0) return 0;  // not ours: ignore
  auto* record = static_cast<LengthRecord*>(png_get_user_chunk_ptr(png));
  if (chunk->size != 8 || record->found) return -1;
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | chunk->data[i];
  record->found = true;
  record->length = v;
  return 1;
}

uint64_t IntegerSqrt(uint64_t n) {
  auto r = static_cast<uint64_t>(std::sqrt(static_cast<double>(n)));
  while (r > 0 && r * r > n) --r;
  while ((r + 1) * (r + 1) <= n) ++r;
  return r;
}

class PngCodec final : public Codec {
 public:
  std::string name() const override { return "png"; }

  Result<std::vector<uint8_t>> Compress(std::span<const uint8_t> input) const override {
    const PngLayout layout = ChoosePngLayout(input.size());
    if (layout.rows == 0) return Status::NotSupported("png: input too large for one image");
    const uint64_t pixel_count = uint64_t{layout.rows} * layout.cols;
    std::vector<uint8_t> padded;
    const uint8_t* pixels = input.data();
    if (pixel_count != input.size()) {
      padded.assign(pixel_count, 0);
      if (!input.empty()) std::memcpy(padded.data(), input.data(), input.size());
      pixels = padded.data();
    }
    std::vector<png_bytep> rows(layout.rows);
    for (uint32_t r = 0; r < layout.rows; ++r) {
      rows[r] = const_cast<png_bytep>(pixels + uint64_t{r} * layout.cols);
    }
    png_byte length_bytes[8];
    for (int i = 0; i < 8; ++i) length_bytes[i] = static_cast<png_byte>(input.size() >> (56 - 8 * i));
    std::vector<uint8_t> out;
    PngErrorContext error;
    PngWriteHandles h;
    h.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &error, OnPngError, OnPngWarning);
    if (h.png == nullptr) return Status::InvalidArgument("png: out of memory");
    h.info = png_create_info_struct(h.png);
    if (h.info == nullptr) return Status::InvalidArgument("png: out of memory");
    if (setjmp(png_jmpbuf(h.png))) return Status::Corruption(std::string("png: ") + error.message);
    png_set_write_fn(h.png, &out, WriteToVector, FlushNothing);
    png_set_IHDR(h.png, h.info, layout.cols, layout.rows, 8, PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(h.png, kZlibLevel);
    png_set_filter(h.png, PNG_FILTER_TYPE_BASE, PNG_ALL_FILTERS);
    png_write_info(h.png, h.info);
    if (layout.padded) png_write_chunk(h.png, kLengthChunk, length_bytes, sizeof(length_bytes));
    png_write_image(h.png, rows.data());
    png_write_end(h.png, nullptr);
    return out;
  }

  Result<std::vector<uint8_t>> Decompress(std::span<const uint8_t> input,
                                          size_t original_size) const override {
    std::vector<uint8_t> pixels;
    std::vector<png_bytep> rows;
    MemoryReader reader{input, 0};
    LengthRecord record;
    PngErrorContext error;
    PngReadHandles h;
    h.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &error, OnPngError, OnPngWarning);
    if (h.png == nullptr) return Status::InvalidArgument("png: out of memory");
    h.info = png_create_info_struct(h.png);
    if (h.info == nullptr) return Status::InvalidArgument("png: out of memory");
    if (setjmp(png_jmpbuf(h.png))) return Status::Corruption(std::string("png: ") + error.message);
    png_set_read_fn(h.png, &reader, ReadFromMemory);
    png_set_user_limits(h.png, 0x7fffffff, 0x7fffffff);
    png_set_read_user_chunk_fn(h.png, &record, OnUserChunk);
    png_read_info(h.png, h.info);
    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(h.png, h.info, &width, &height, &bit_depth, &color_type, &interlace, nullptr,
                 nullptr);
    if (bit_depth != 8 || color_type != PNG_COLOR_TYPE_GRAY || interlace != PNG_INTERLACE_NONE) {
      return Status::Corruption("png: not an 8-bit grayscale image");
    }
    const uint64_t pixel_count = uint64_t{width} * height;
    // A padded image adds less than one row.
    if (pixel_count > uint64_t{original_size} + width) {
      return Status::Corruption("png: image of " + std::to_string(width) + " x " +
                                std::to_string(height) + " is larger than the " +
                                std::to_string(original_size) + " bytes expected");
    }
    pixels.resize(pixel_count);
    rows.resize(height);
    for (png_uint_32 r = 0; r < height; ++r) rows[r] = pixels.data() + uint64_t{r} * width;
    png_read_image(h.png, rows.data());
    png_read_end(h.png, nullptr);
    const uint64_t length = record.found ? record.length : pixel_count;
    const uint64_t max_padding = length == 0 ? width : width - 1;
    if (length > pixel_count || pixel_count - length > max_padding) {
      return Status::Corruption("png: recorded length does not fit the image");
    }
    if (length != original_size) {
      return Status::Corruption("png: decoded " + std::to_string(length) + " bytes, expected " +
                                std::to_string(original_size));
    }
    pixels.resize(length);
    return pixels;
  }
};

}  // namespace

PngLayout ChoosePngLayout(uint64_t n) {
  if (n == 0) return {1, 1, true};
  constexpr uint64_t kMaxSide = 0x7fffffff;
  uint64_t rows = IntegerSqrt(n);
  while (n % rows != 0) --rows;
  uint64_t cols = n / rows;
  if (cols <= kMaxSide && (cols <= kMaxPngAspect * rows || n <= kMaxPngAspect)) {
    return {static_cast<uint32_t>(rows), static_cast<uint32_t>(cols), false};
  }
  cols = IntegerSqrt(n);
  if (cols * cols < n) ++cols;
  rows = (n + cols - 1) / cols;
  if (cols > kMaxSide || rows > kMaxSide) return {0, 0, false};
  return {static_cast<uint32_t>(rows), static_cast<uint32_t>(cols), true};
}

std::unique_ptr<Codec> NewPngCodec() { return std::make_unique<PngCodec>(); }

}  // namespace lmzip
