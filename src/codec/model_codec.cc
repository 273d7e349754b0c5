#include "codec/model_codec.h"

#include "coder/arithmetic_coder.h"

namespace lmzip {

Status EncodeWithModel(const ModelSpec& spec, std::span<const uint8_t> input,
                       std::vector<uint8_t>* out) {
  LMZIP_ASSIGN_OR_RETURN(std::unique_ptr<Predictor> model, CreateModel(spec));
  ArithmeticCoder coder(out);
  for (uint8_t b : input) CodeByte(*model, coder, b);
  coder.Flush();
  return Status::Ok();
}

Status DecodeWithModel(const ModelSpec& spec, std::span<const uint8_t> code,
                       size_t original_size, uint8_t* out) {
  LMZIP_ASSIGN_OR_RETURN(std::unique_ptr<Predictor> model, CreateModel(spec));
  ArithmeticCoder coder(code);
  for (size_t i = 0; i < original_size; ++i) {
    out[i] = static_cast<uint8_t>(CodeByte(*model, coder, 0));
  }
  return Status::Ok();
}

std::string ModelCodec::name() const {
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
