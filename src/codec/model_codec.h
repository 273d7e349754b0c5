// lmzip's own codec: a Predictor driving the arithmetic coder over a whole buffer.
// The stream carries no header; the caller keeps the original size (the .lmz
// container does).
#pragma once

#include "lmzip/codec.h"
#include "lmzip/model.h"

namespace lmzip {

class ModelCodec final : public Codec {
 public:
  explicit ModelCodec(ModelSpec spec) : spec_(std::move(spec)) {}
  // A codec named `name` whose model brings `parameters` trained parameters.
  ModelCodec(ModelSpec spec, std::string name, uint64_t parameters)
      : spec_(std::move(spec)), name_(std::move(name)), parameters_(parameters) {}

  std::string name() const override;
  Result<std::vector<uint8_t>> Compress(std::span<const uint8_t> input) const override;
  Result<std::vector<uint8_t>> Decompress(std::span<const uint8_t> input,
                                          size_t original_size) const override;

  const ModelSpec& spec() const { return spec_; }
  // Trained parameters the model brings (a transformer's), for the adjusted rate.
  uint64_t parameter_count() const override { return parameters_; }

 private:
  ModelSpec spec_;
  std::string name_;  // lmzip-<model>-<level> when empty
  uint64_t parameters_ = 0;
};

class ProgressBar;

// Codes `input` with a fresh model; appends the code to `out`. `progress`, if not
// null, is advanced as input bytes are coded.
Status EncodeWithModel(const ModelSpec& spec, std::span<const uint8_t> input,
                       std::vector<uint8_t>* out, ProgressBar* progress = nullptr);
// Decodes exactly `original_size` bytes from `code` with a fresh model into `out`.
// The caller verifies a checksum: a damaged code decodes to garbage.
Status DecodeWithModel(const ModelSpec& spec, std::span<const uint8_t> code,
                       size_t original_size, uint8_t* out, ProgressBar* progress = nullptr);

// Whether inputs of `size` bytes coded by `spec` try the word transform
// (word_transform.h): the cm model without a primed state (which learnt
// untransformed text), on inputs large enough for the dictionary to pay.
bool UsesWordTransform(const ModelSpec& spec, size_t size);

// How a chunk's bytes are coded by its model, with the values of the .lmz chunk
// methods: kModelPlain, the model's code of the bytes; kModelWords, the
// transformed size (4 bytes, little-endian), then the model's code, as known text,
// of the chunk after the word transform.
inline constexpr uint8_t kModelPlain = 0;
inline constexpr uint8_t kModelWords = 2;
// Codes `input` with a fresh model, after the word transform where
// UsesWordTransform allows it and the transform applies; appends the payload to
// `out` and returns its method.
Result<uint8_t> EncodeModelChunk(const ModelSpec& spec, std::span<const uint8_t> input,
                                 std::vector<uint8_t>* out, ProgressBar* progress = nullptr);
// Decodes a payload of `method` (kModelPlain or kModelWords) into exactly `raw_size`
// bytes of `raw` (replacing its contents). Damaged payloads give Corruption or, like
// any model code, wrong bytes that the caller's checksum catches.
Status DecodeModelChunk(const ModelSpec& spec, uint8_t method, std::span<const uint8_t> payload, size_t raw_size,
                        std::vector<uint8_t>* raw, ProgressBar* progress = nullptr);

}  // namespace lmzip
