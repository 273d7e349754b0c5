// SentencePiece BPE tokenizers, trained on a text and made lossless: identity
// normalisation, no dummy prefix, whitespace kept, byte fallback for anything the
// vocabulary lacks. Available when lmzip is built with Debian's libsentencepiece-dev.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "lmzip/status.h"

namespace lmzip::study {

// True when this build links SentencePiece.
bool HaveSentencePiece();

class Tokenizer {
 public:
  // Trains a BPE vocabulary of `vocabulary` pieces (256 byte pieces included) on the
  // lines of `text`. NotSupported without SentencePiece.
  static Result<std::unique_ptr<Tokenizer>> TrainBpe(std::span<const uint8_t> text, int vocabulary);
  ~Tokenizer();

  Result<std::vector<uint32_t>> Encode(std::span<const uint8_t> bytes) const;
  Result<std::vector<uint8_t>> Decode(std::span<const uint32_t> ids) const;

  uint32_t vocabulary() const;
  // Bytes of the serialized model (what a decoder needs besides the code).
  uint64_t serialized_bytes() const { return serialized_.size(); }

 private:
  struct Impl;
  Tokenizer();
  std::unique_ptr<Impl> impl_;
  std::string serialized_;
};

}  // namespace lmzip::study
