#include "codec/model_codec.h"

#include <algorithm>

#include "coder/arithmetic_coder.h"
#include "util/progress.h"

namespace lmzip {

namespace {
// Bytes coded between two progress reports.
constexpr size_t kProgressStep = size_t{1} << 16;
}  // namespace

Status EncodeWithModel(const ModelSpec& spec, std::span<const uint8_t> input,
                       std::vector<uint8_t>* out, ProgressBar* progress) {
  ModelSpec sized = spec;
  sized.input_size = input.size();
  LMZIP_ASSIGN_OR_RETURN(std::unique_ptr<Predictor> model, CreateModel(sized));
  ArithmeticCoder coder(out);
  for (size_t start = 0; start < input.size(); start += kProgressStep) {
    const size_t end = std::min(input.size(), start + kProgressStep);
    for (size_t i = start; i < end; ++i) CodeByte(*model, coder, input[i]);
    if (progress) progress->Add(end - start);
  }
  coder.Flush();
  return Status::Ok();
}

Status DecodeWithModel(const ModelSpec& spec, std::span<const uint8_t> code,
                       size_t original_size, uint8_t* out, ProgressBar* progress) {
  ModelSpec sized = spec;
  sized.input_size = original_size;
  LMZIP_ASSIGN_OR_RETURN(std::unique_ptr<Predictor> model, CreateModel(sized));
  ArithmeticCoder coder(code);
  for (size_t start = 0; start < original_size; start += kProgressStep) {
    const size_t end = std::min(original_size, start + kProgressStep);
    for (size_t i = start; i < end; ++i) out[i] = static_cast<uint8_t>(CodeByte(*model, coder, 0));
    if (progress) progress->Add(end - start);
  }
  return Status::Ok();
}

std::string ModelCodec::name() const {
  if (!name_.empty()) return name_;
  return "lmzip-" + spec_.name + "-" + std::to_string(spec_.level);
}

Result<std::vector<uint8_t>> ModelCodec::Compress(std::span<const uint8_t> input) const {
  std::vector<uint8_t> out;
  LMZIP_RETURN_IF_ERROR(EncodeWithModel(spec_, input, &out));
  return out;
}

Result<std::vector<uint8_t>> ModelCodec::Decompress(std::span<const uint8_t> input,
                                                    size_t original_size) const {
  std::vector<uint8_t> out(original_size);
  LMZIP_RETURN_IF_ERROR(DecodeWithModel(spec_, input, original_size, out.data()));
  return out;
}

}  // namespace lmzip
