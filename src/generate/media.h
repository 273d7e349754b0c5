// Reading and writing the media that generation works on: grayscale PNG (libpng)
// and 8-bit WAV (libsndfile).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "lmzip/status.h"

namespace lmzip::generate {

// Any PNG or JPEG, as the paper's grayscale (data/dataset.h).
Result<GrayImage> LoadGrayImage(const std::string& path);

// The `width` x `height` region at (x, y); InvalidArgument when it does not fit.
Result<GrayImage> CropGray(const GrayImage& image, uint32_t x, uint32_t y, uint32_t width,
                           uint32_t height);

// `left` and `right` side by side (same height), `gap` white columns between them.
Result<GrayImage> SideBySide(const GrayImage& left, const GrayImage& right, uint32_t gap);

// Writes an 8-bit grayscale PNG.
Status WriteGrayPng(const std::string& path, const GrayImage& image);

struct AudioClip {
  std::vector<uint8_t> samples;  // the paper's 8-bit unsigned samples (high byte + 128)
  uint32_t sample_rate = 16000;  // Hz
};

// One audio file (WAV/FLAC/anything libsndfile reads, or headerless 16 kHz 16-bit
// .raw), mixed down to mono, as 8-bit samples.
Result<AudioClip> LoadAudioClip(const std::string& path);

// Writes 8-bit unsigned mono samples as a WAV file.
Status WriteWav8(const std::string& path, std::span<const uint8_t> samples, uint32_t sample_rate);

}  // namespace lmzip::generate
