#include "generate/generate.h"

namespace lmzip::generate {

Result<std::vector<uint8_t>> ContinueBytes(NextByteModel& model, std::span<const uint8_t> context,
                                           size_t count, Sampler& sampler) {
  LMZIP_RETURN_IF_ERROR(model.Observe(context));
  std::vector<uint8_t> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    LMZIP_ASSIGN_OR_RETURN(uint8_t byte, sampler.Next(model));
    out.push_back(byte);
  }
  return out;
}

Result<GrayImage> CompleteRows(NextByteModel& model, const GrayImage& image, Sampler& sampler) {
  if (image.width < 2 || image.height == 0 ||
      image.pixels.size() != size_t{image.width} * image.height) {
    return Status::InvalidArgument("row completion needs an image at least 2 pixels wide");
  }
  GrayImage out = image;
  const uint32_t given = image.width / 2;
  for (uint32_t r = 0; r < image.height; ++r) {
    uint8_t* row = &out.pixels[size_t{r} * image.width];
    LMZIP_RETURN_IF_ERROR(model.Observe(std::span<const uint8_t>(row, given)));
    for (uint32_t c = given; c < image.width; ++c) {
      LMZIP_ASSIGN_OR_RETURN(row[c], sampler.Next(model));
    }
  }
  return out;
}

}  // namespace lmzip::generate
