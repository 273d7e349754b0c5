// PNG (libpng) and JPEG (libjpeg) decoding to the paper's grayscale. Both libraries
// report fatal errors by longjmp; each decoder keeps every C++ object it owns alive
// from before its setjmp to its return, so the jump skips no destructor.
#include <csetjmp>
#include <cstddef>
#include <cstdio>
#include <cstring>

#include <jpeglib.h>  // after <cstdio>: it needs size_t and FILE
#include <png.h>

#include "data/dataset.h"

namespace lmzip {
namespace {

// Images larger than this many pixels are refused rather than allocated.
constexpr uint64_t kMaxPixels = uint64_t{1} << 28;

struct ErrorText {
  char message[JMSG_LENGTH_MAX > 256 ? JMSG_LENGTH_MAX : 256] = "unknown error";
};

// ---- PNG ----

[[noreturn]] void OnPngError(png_structp png, png_const_charp message) {
  auto* text = static_cast<ErrorText*>(png_get_error_ptr(png));
  std::snprintf(text->message, sizeof(text->message), "%s", message);
  png_longjmp(png, 1);
}
void OnPngWarning(png_structp, png_const_charp) {}

struct PngReader {
  png_structp png = nullptr;
  png_infop info = nullptr;
  ~PngReader() { png_destroy_read_struct(&png, info != nullptr ? &info : nullptr, nullptr); }
};

struct MemoryInput {
  std::span<const uint8_t> bytes;
  size_t pos = 0;
};
void ReadPngBytes(png_structp png, png_bytep data, size_t n) {
  auto* in = static_cast<MemoryInput*>(png_get_io_ptr(png));
  if (in->bytes.size() - in->pos < n) png_error(png, "truncated file");
  std::memcpy(data, in->bytes.data() + in->pos, n);
  in->pos += n;
}

Result<GrayImage> DecodePng(std::span<const uint8_t> file) {
  GrayImage image;
  std::vector<uint8_t> decoded;  // 1 (gray) or 3 (RGB) bytes per pixel
  std::vector<png_bytep> rows;
  MemoryInput input{file, 0};
  ErrorText error;
  PngReader r;
  r.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &error, OnPngError, OnPngWarning);
  if (r.png == nullptr) return Status::IOError("png: out of memory");
  r.info = png_create_info_struct(r.png);
  if (r.info == nullptr) return Status::IOError("png: out of memory");
  if (setjmp(png_jmpbuf(r.png))) return Status::Corruption(std::string("png: ") + error.message);
  png_set_read_fn(r.png, &input, ReadPngBytes);
  png_read_info(r.png, r.info);
  // To 8-bit gray or 8-bit RGB: palettes and low bit depths expanded, 16-bit samples
  // keep their high byte, alpha dropped (as an RGB conversion of the image would).
  png_set_expand(r.png);
  png_set_strip_16(r.png);
  png_set_strip_alpha(r.png);
  png_set_interlace_handling(r.png);
  png_read_update_info(r.png, r.info);
  const png_uint_32 width = png_get_image_width(r.png, r.info);
  const png_uint_32 height = png_get_image_height(r.png, r.info);
  const int channels = png_get_channels(r.png, r.info);
  if (channels != 1 && channels != 3) {
    return Status::NotSupported("png: unexpected " + std::to_string(channels) + " channels");
  }
  if (uint64_t{width} * height > kMaxPixels) {
    return Status::NotSupported("png: image of " + std::to_string(width) + " x " +
                                std::to_string(height) + " is too large");
  }
  const size_t row_bytes = png_get_rowbytes(r.png, r.info);
  if (row_bytes != size_t{width} * channels) return Status::Corruption("png: unexpected row size");
  decoded.resize(row_bytes * height);
  rows.resize(height);
  for (png_uint_32 y = 0; y < height; ++y) rows[y] = decoded.data() + row_bytes * y;
  png_read_image(r.png, rows.data());
  png_read_end(r.png, nullptr);
  image.width = width;
  image.height = height;
  if (channels == 1) {
    image.pixels = std::move(decoded);
  } else {
    image.pixels.resize(size_t{width} * height);
    for (size_t i = 0; i < image.pixels.size(); ++i) {
      image.pixels[i] = GrayFromRgb(decoded[3 * i], decoded[3 * i + 1], decoded[3 * i + 2]);
    }
  }
  return image;
}

// ---- JPEG ----

struct JpegError {
  jpeg_error_mgr manager;  // first member: libjpeg hands back a pointer to it
  std::jmp_buf jump;
  ErrorText text;
};

[[noreturn]] void OnJpegError(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegError*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->text.message);
  std::longjmp(err->jump, 1);
}
void OnJpegMessage(j_common_ptr) {}

struct JpegReader {
  jpeg_decompress_struct cinfo{};
  bool created = false;
  ~JpegReader() {
    if (created) jpeg_destroy_decompress(&cinfo);
  }
};

Result<GrayImage> DecodeJpeg(std::span<const uint8_t> file) {
  GrayImage image;
  std::vector<uint8_t> row;
  JpegError error;
  JpegReader r;
  r.cinfo.err = jpeg_std_error(&error.manager);
  error.manager.error_exit = OnJpegError;
  error.manager.output_message = OnJpegMessage;
  if (setjmp(error.jump)) return Status::Corruption(std::string("jpeg: ") + error.text.message);
  jpeg_create_decompress(&r.cinfo);
  r.created = true;
  jpeg_mem_src(&r.cinfo, file.data(), static_cast<unsigned long>(file.size()));
  jpeg_read_header(&r.cinfo, TRUE);
  const J_COLOR_SPACE space = r.cinfo.jpeg_color_space;
  if (space == JCS_CMYK || space == JCS_YCCK) {
    return Status::NotSupported("jpeg: CMYK images are not supported");
  }
  r.cinfo.out_color_space = space == JCS_GRAYSCALE ? JCS_GRAYSCALE : JCS_RGB;
  if (uint64_t{r.cinfo.image_width} * r.cinfo.image_height > kMaxPixels) {
    return Status::NotSupported("jpeg: image of " + std::to_string(r.cinfo.image_width) + " x " +
                                std::to_string(r.cinfo.image_height) + " is too large");
  }
  jpeg_start_decompress(&r.cinfo);
  const uint32_t width = r.cinfo.output_width;
  const int channels = r.cinfo.output_components;
  image.width = width;
  image.height = r.cinfo.output_height;
  image.pixels.resize(size_t{width} * image.height);
  row.resize(size_t{width} * channels);
  while (r.cinfo.output_scanline < r.cinfo.output_height) {
    uint8_t* out = image.pixels.data() + size_t{r.cinfo.output_scanline} * width;
    JSAMPROW rows[1] = {row.data()};
    if (jpeg_read_scanlines(&r.cinfo, rows, 1) != 1) return Status::Corruption("jpeg: short read");
    if (channels == 1) {
      std::memcpy(out, row.data(), width);
    } else {
      for (uint32_t x = 0; x < width; ++x) {
        out[x] = GrayFromRgb(row[3 * x], row[3 * x + 1], row[3 * x + 2]);
      }
    }
  }
  jpeg_finish_decompress(&r.cinfo);
  return image;
}

}  // namespace

Result<GrayImage> DecodeImageAsGray(std::span<const uint8_t> file) {
  static constexpr uint8_t kPngSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (file.size() >= 8 && std::memcmp(file.data(), kPngSignature, 8) == 0) return DecodePng(file);
  if (file.size() >= 3 && file[0] == 0xFF && file[1] == 0xD8 && file[2] == 0xFF) {
    return DecodeJpeg(file);
  }
  return Status::Corruption("neither a PNG nor a JPEG file");
}

size_t AppendPatches(const GrayImage& image, uint32_t patch_rows, uint32_t patch_cols,
                     uint64_t max_bytes, std::vector<uint8_t>* out) {
  if (patch_rows == 0 || patch_cols == 0) return 0;
  const uint64_t patch_bytes = uint64_t{patch_rows} * patch_cols;
  size_t added = 0;
  for (uint32_t py = 0; py + patch_rows <= image.height; py += patch_rows) {
    for (uint32_t px = 0; px + patch_cols <= image.width; px += patch_cols) {
      if (max_bytes != 0 && out->size() + patch_bytes > max_bytes) return added;
      for (uint32_t y = py; y < py + patch_rows; ++y) {
        const uint8_t* src = image.pixels.data() + size_t{y} * image.width + px;
        out->insert(out->end(), src, src + patch_cols);
      }
      ++added;
    }
  }
  return added;
}

}  // namespace lmzip
