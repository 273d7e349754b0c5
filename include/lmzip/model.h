// Predictors: anything that assigns probabilities to the next symbol and learns the
// true one. A model is driven by exactly two calls per symbol: predict, then update.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "lmzip/status.h"

namespace lmzip {

class ArithmeticCoder;

// Total of every byte CDF a Predictor returns: 1 << kCdfBits.
inline constexpr int kCdfBits = 16;

class Predictor {
 public:
  enum class Granularity { kBit, kByte };
  virtual ~Predictor() = default;

  virtual Granularity granularity() const = 0;

  // kBit models. Bits of a byte are coded most significant first.
  // Returns P(next bit == 1) in units of 1/65536, in [1, 65535].
  virtual uint32_t PredictBit() { return 1u << 15; }
  // Learns the true bit; REQUIRES: PredictBit() was called for it.
  virtual void UpdateBit(int /*bit*/) {}

  // kByte models. Fills `cdf` (257 entries) with a strictly increasing table from 0
  // to 1 << kCdfBits: symbol b has probability (cdf[b+1] - cdf[b]) / 65536.
  virtual void PredictByte(std::span<uint32_t, 257> /*cdf*/) {}
  // Learns the true byte; REQUIRES: PredictByte() was called for it.
  virtual void UpdateByte(uint8_t /*byte*/) {}

  // Codes one byte through `coder`, the model queried and updated as by the calls
  // above (bits most significant first): encoding, codes `byte` and returns it;
  // decoding, returns the decoded byte. A model may override it to code a whole byte
  // without a virtual call per bit; the code must be the same either way.
  virtual int Code(ArithmeticCoder& coder, int byte);

  // An independent copy of the model in its current state (pending prediction
  // included), or nullptr when the model cannot be copied cheaply. Generation uses it
  // to read a bitwise model's whole byte distribution without disturbing the original.
  virtual std::unique_ptr<Predictor> Clone() const { return nullptr; }
  // Whether Clone() is implemented (it may still return nullptr when memory runs out).
  virtual bool CanClone() const { return false; }
};

// Codes one byte with `model` through `coder`: the single path for both directions.
// Encoding: codes `byte` and returns it. Decoding: returns the decoded byte.
int CodeByte(Predictor& model, ArithmeticCoder& coder, int byte);

// What identifies a model, and what a .lmz file records so that decoding uses the
// very same one.
struct ModelSpec {
  std::string name = "cm";   // registered model family ("cm", "order0", ...)
  int level = 6;             // 1..9: speed/ratio trade-off within the family
  std::string weights_path;  // optional weights/primed-state file
  // Bytes the model will code, when the encoder and the decoder both know it (the
  // chunk's size), else 0. A model may size its tables by it, so that a 2 KB chunk
  // does not pay for gigabytes of tables; it must then do so identically both ways.
  uint64_t input_size = 0;
  // The input is a chunk after the container's word transform (docs/format.md,
  // method 2), identically when encoding and decoding: a model may then skip its
  // parts for other data, and read the transform's head (its first two bytes are the
  // case flags) to understand the words that follow.
  bool known_text = false;
};

// Creates a fresh model (the same start state every time for the same spec).
Result<std::unique_ptr<Predictor>> CreateModel(const ModelSpec& spec);

// Version of a family's predictions: bumped whenever a change to the model would
// change its code, so an old file is refused clearly instead of decoding to garbage.
// 0 for an unknown family.
int ModelVersion(const std::string& name);

// The most bytes a model made from `spec` allocates, as far as it is known (the
// context-mixing model's tables at its level; 0 for small models).
uint64_t ModelMemoryBound(const ModelSpec& spec);

// Names of the registered model families.
std::vector<std::string> ModelNames();

}  // namespace lmzip
