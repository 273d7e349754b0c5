#include "codec/model_codec.h"

#include <algorithm>

#include "codec/word_transform.h"
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

bool UsesWordTransform(const ModelSpec& spec, size_t size) {
  return spec.name == "cm" && spec.weights_path.empty() && size >= words::kMinChunkSize;
}

Result<uint8_t> EncodeModelChunk(const ModelSpec& spec, std::span<const uint8_t> input,
                                 std::vector<uint8_t>* out, ProgressBar* progress) {
  std::vector<uint8_t> transformed;
  if (!UsesWordTransform(spec, input.size()) || !words::Forward(input, &transformed)) {
    LMZIP_RETURN_IF_ERROR(EncodeWithModel(spec, input, out, progress));
    return kModelPlain;
  }
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<uint8_t>(transformed.size() >> (8 * i)));
  ModelSpec text_spec = spec;
  text_spec.known_text = true;
  LMZIP_RETURN_IF_ERROR(EncodeWithModel(text_spec, transformed, out, progress));
  if (progress) progress->Add(input.size() - transformed.size());
  return kModelWords;
}

Status DecodeModelChunk(const ModelSpec& spec, uint8_t method, std::span<const uint8_t> payload, size_t raw_size,
                        std::vector<uint8_t>* raw, ProgressBar* progress) {
  if (method == kModelPlain) {
    raw->resize(raw_size);
    return DecodeWithModel(spec, payload, raw_size, raw->data(), progress);
  }
  if (method != kModelWords) return Status::Corruption("unknown model chunk method " + std::to_string(method));
  if (payload.size() < 4) return Status::Corruption("word-transformed chunk is truncated");
  uint32_t size = 0;
  for (int i = 0; i < 4; ++i) size |= static_cast<uint32_t>(payload[i]) << (8 * i);
  // The transform only ever shortens its input.
  if (size > raw_size) return Status::Corruption("word-transformed size exceeds the chunk");
  std::vector<uint8_t> transformed(size);
  ModelSpec text_spec = spec;
  text_spec.known_text = true;
  LMZIP_RETURN_IF_ERROR(DecodeWithModel(text_spec, payload.subspan(4), size, transformed.data(), progress));
  LMZIP_RETURN_IF_ERROR(words::Inverse(transformed, raw_size, raw));
  if (progress) progress->Add(raw_size - size);
  return Status::Ok();
}

std::string ModelCodec::name() const {
  if (!name_.empty()) return name_;
  return "lmzip-" + spec_.name + "-" + std::to_string(spec_.level);
}

// An input that may take the word transform (UsesWordTransform) is coded as a .lmz
// chunk is, after a byte naming its method (EncodeModelChunk); smaller inputs are the
// model's code alone.
Result<std::vector<uint8_t>> ModelCodec::Compress(std::span<const uint8_t> input) const {
  std::vector<uint8_t> out;
  if (!UsesWordTransform(spec_, input.size())) {
    LMZIP_RETURN_IF_ERROR(EncodeWithModel(spec_, input, &out));
    return out;
  }
  out.push_back(0);
  LMZIP_ASSIGN_OR_RETURN(out[0], EncodeModelChunk(spec_, input, &out));
  return out;
}

Result<std::vector<uint8_t>> ModelCodec::Decompress(std::span<const uint8_t> input,
                                                    size_t original_size) const {
  std::vector<uint8_t> out;
  if (!UsesWordTransform(spec_, original_size)) {
    out.resize(original_size);
    LMZIP_RETURN_IF_ERROR(DecodeWithModel(spec_, input, original_size, out.data()));
    return out;
  }
  if (input.empty()) return Status::Corruption("model code lacks its method byte");
  LMZIP_RETURN_IF_ERROR(DecodeModelChunk(spec_, input[0], input.subspan(1), original_size, &out));
  return out;
}

}  // namespace lmzip
