#include "generate/media.h"

#include <png.h>
#include <sndfile.h>

#include <cstring>
#include <memory>

#include "data/files.h"

namespace lmzip::generate {

Result<GrayImage> LoadGrayImage(const std::string& path) {
  LMZIP_ASSIGN_OR_RETURN(std::vector<uint8_t> file, ReadFilePrefix(path, 0));
  auto image = DecodeImageAsGray(file);
  if (!image.ok()) return image.status().WithContext(path);
  return image;
}

Result<GrayImage> CropGray(const GrayImage& image, uint32_t x, uint32_t y, uint32_t width,
                           uint32_t height) {
  if (width == 0 || height == 0 || uint64_t{x} + width > image.width ||
      uint64_t{y} + height > image.height) {
    return Status::InvalidArgument("a " + std::to_string(width) + "x" + std::to_string(height) +
                                   " region at (" + std::to_string(x) + ", " + std::to_string(y) +
                                   ") does not fit a " + std::to_string(image.width) + "x" +
                                   std::to_string(image.height) + " image");
  }
  GrayImage out;
  out.width = width;
  out.height = height;
  out.pixels.resize(size_t{width} * height);
  for (uint32_t r = 0; r < height; ++r) {
    std::memcpy(&out.pixels[size_t{r} * width], &image.pixels[(size_t{y} + r) * image.width + x], width);
  }
  return out;
}

Result<GrayImage> SideBySide(const GrayImage& left, const GrayImage& right, uint32_t gap) {
  if (left.height != right.height) return Status::InvalidArgument("images of different heights");
  GrayImage out;
  out.width = left.width + gap + right.width;
  out.height = left.height;
  out.pixels.assign(size_t{out.width} * out.height, 255);
  for (uint32_t r = 0; r < out.height; ++r) {
    uint8_t* row = &out.pixels[size_t{r} * out.width];
    std::memcpy(row, &left.pixels[size_t{r} * left.width], left.width);
    std::memcpy(row + left.width + gap, &right.pixels[size_t{r} * right.width], right.width);
  }
  return out;
}

Status WriteGrayPng(const std::string& path, const GrayImage& image) {
  if (image.width == 0 || image.height == 0 ||
      image.pixels.size() != size_t{image.width} * image.height) {
    return Status::InvalidArgument(path + ": empty or inconsistent image");
  }
  png_image png;
  std::memset(&png, 0, sizeof(png));
  png.version = PNG_IMAGE_VERSION;
  png.width = image.width;
  png.height = image.height;
  png.format = PNG_FORMAT_GRAY;
  if (!png_image_write_to_file(&png, path.c_str(), 0, image.pixels.data(), 0, nullptr)) {
    const std::string why = png.message;
    png_image_free(&png);
    return Status::IOError(path + ": " + why);
  }
  return Status::Ok();
}

Result<AudioClip> LoadAudioClip(const std::string& path) {
  // One file, every whole sample (chunks of one byte).
  auto data = LoadAudioFolder(path, 0, 1);
  if (!data.ok()) return data.status();
  if (data->files_used != 1) return Status::InvalidArgument(path + ": not one audio file");
  AudioClip clip;
  clip.samples = std::move(data->bytes);
  if (data->sample_rate != 0) clip.sample_rate = data->sample_rate;
  return clip;
}

namespace {
struct SndfileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};
}  // namespace

Status WriteWav8(const std::string& path, std::span<const uint8_t> samples, uint32_t sample_rate) {
  SF_INFO info;
  std::memset(&info, 0, sizeof(info));
  info.samplerate = static_cast<int>(sample_rate);
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_U8;
  std::unique_ptr<SNDFILE, SndfileCloser> file(sf_open(path.c_str(), SFM_WRITE, &info));
  if (!file) return Status::IOError(path + ": " + sf_strerror(nullptr));
  // 8-bit unsigned u -> 16-bit signed (u - 128) << 8, which libsndfile maps back exactly.
  std::vector<short> pcm(samples.size());
  for (size_t i = 0; i < samples.size(); ++i) {
    pcm[i] = static_cast<short>((static_cast<int>(samples[i]) - 128) * 256);
  }
  const sf_count_t n = static_cast<sf_count_t>(pcm.size());
  if (sf_write_short(file.get(), pcm.data(), n) != n) {
    return Status::IOError(path + ": " + sf_strerror(file.get()));
  }
  return Status::Ok();
}

}  // namespace lmzip::generate
