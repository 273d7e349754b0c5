// Any model as a distribution over the next byte: lmzip's predictors (bitwise or
// bytewise) and, through p(b | x) ~ 2^-(len C(x b) - len C(x)), any compressor.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lmzip/codec.h"
#include "lmzip/model.h"
#include "lmzip/status.h"

namespace lmzip::generate {

// P(next byte = b) for b in 0..255; non-negative, summing to 1.
using ByteDistribution = std::array<double, 256>;

// A model that has seen a history of bytes and says what comes next.
class NextByteModel {
 public:
  virtual ~NextByteModel() = default;

  // What the model is, for messages and tables ("cm-6", "gzip", ...).
  virtual std::string name() const = 0;

  // True when Distribution() works. A bitwise predictor that cannot be cloned gives
  // no whole distribution; it can still be sampled one bit at a time (BitProbability).
  virtual bool has_distribution() const { return true; }
  // True when the model predicts bit by bit (BitProbability/ObserveBit work): a draw
  // bit by bit is then an exact draw from its byte distribution, and far cheaper.
  virtual bool bitwise() const { return false; }

  // The distribution of the byte that follows the history.
  virtual Result<ByteDistribution> Distribution() = 0;

  // For models without a whole distribution: P(next bit = 1) given the bits of the
  // current byte observed so far with ObserveBit, in (0, 1).
  virtual Result<double> BitProbability() {
    return Status::NotSupported(name() + ": no bitwise interface");
  }
  // Appends one bit (most significant first) of the next byte to the history.
  virtual Status ObserveBit(int /*bit*/) { return Status::NotSupported(name() + ": no bitwise interface"); }

  // Appends a whole byte to the history.
  virtual Status Observe(uint8_t byte) = 0;
  Status Observe(std::span<const uint8_t> bytes);
};

// Predictor-backed model. Bytewise predictors give their CDF; bitwise ones give the
// product of bit probabilities over the byte's binary tree when they can be cloned
// (Predictor::Clone), and are sampled bit by bit otherwise.
class PredictorNextByte final : public NextByteModel {
 public:
  PredictorNextByte(std::string name, std::unique_ptr<Predictor> model);
  std::string name() const override { return name_; }
  bool has_distribution() const override;
  bool bitwise() const override { return model_->granularity() == Predictor::Granularity::kBit; }
  Result<ByteDistribution> Distribution() override;
  Result<double> BitProbability() override;
  Status ObserveBit(int bit) override;
  Status Observe(uint8_t byte) override;

 private:
  std::string name_;
  std::unique_ptr<Predictor> model_;
  bool clonable_ = false;
  int bits_pending_ = 0;  // bits of the current byte observed with ObserveBit
  uint32_t bit_prediction_ = 0;  // PredictBit() for the next bit, 0 when not asked yet
};

// A compressor as a model: P(b) proportional to 2^-(8 * (len C(x b) - len C(x))),
// lengths in bytes, over the last `window` bytes x of the history (0 = all of it).
// Costs 256 + 1 compressions per distribution.
class CodecNextByte final : public NextByteModel {
 public:
  CodecNextByte(std::unique_ptr<Codec> codec, size_t window);
  std::string name() const override { return codec_->name(); }
  Result<ByteDistribution> Distribution() override;
  Status Observe(uint8_t byte) override;

  // Compressed size of x b for every b, minus that of x, in bits (for tests and tables).
  Result<std::array<int64_t, 256>> ExtraBits();

 private:
  std::unique_ptr<Codec> codec_;
  size_t window_;
  std::vector<uint8_t> history_;
};

struct ModelOptions {
  // Bytes the model will see in all (context plus generated); lets a predictor size
  // its tables (ModelSpec::input_size). 0 = unknown.
  uint64_t expected_bytes = 0;
  // Codecs: bytes of history they compress (the most recent ones); 0 = all.
  size_t codec_window = 2048;
};

// Creates a model from a reference:
//   "cm", "cm-6", "order0", "<family>-<level>"  an lmzip predictor (level 6 by default)
//   "gzip", "lzma2", "zstd", ... , "lmzip-cm-6"  a codec of the registry, as a model
//   "PATH.gguf"                                  a transformer, when this build has one
Result<std::unique_ptr<NextByteModel>> CreateNextByteModel(std::string_view reference,
                                                           const ModelOptions& options = {});

// The predictor family that runs GGUF transformers in this build, or "" when none.
std::string TransformerFamily();

}  // namespace lmzip::generate
