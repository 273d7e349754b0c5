// The transformer as a Predictor (model family "tf") and as a Codec for the bench
// ("tf-200k", "tf-800k", ... : models/tf-<shape>.gguf).
//
// The context policy (src/nn/windows.h) is the same in both directions and in every
// path: chunks of at most `context` bytes each see one fresh sequence.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "lmzip/codec.h"
#include "lmzip/model.h"
#include "nn/transformer.h"

namespace lmzip {

inline constexpr int kTransformerModelVersion = 1;

// Splits items [0, n) into min(n, threads) contiguous groups and runs fn(begin, end)
// for each on its own thread (on the caller's when there is one group).
template <typename Fn>
void ForEachGroup(size_t n, int threads, Fn fn) {
  const size_t groups = std::min<size_t>(n, static_cast<size_t>(std::max(threads, 1)));
  if (groups <= 1) {
    fn(size_t{0}, n);
    return;
  }
  std::vector<std::thread> pool;
  for (size_t g = 0; g < groups; ++g) {
    const size_t begin = n * g / groups, end = n * (g + 1) / groups;
    pool.emplace_back([&fn, begin, end] { fn(begin, end); });
  }
  for (std::thread& t : pool) t.join();
}

// A loaded weights file and the XXH64 of its bytes (what .lmz files record).
struct LoadedTransformer {
  std::shared_ptr<const nn::Transformer> model;
  uint64_t hash = 0;
};

// Loads `path` once per process (later calls share it; thread-safe). NotSupported for
// a token-level model (vocabulary other than 256).
Result<LoadedTransformer> LoadTransformer(const std::string& path);

// Where the bench finds models/tf-*.gguf: $LMZIP_MODELS_DIR, else the source tree's
// models/ folder.
std::string DefaultModelsDir();

// One sequence through a model's window, under the context policy of src/nn/windows.h:
// each Step feeds the next input (a byte, or a token id of a token-level model) and
// writes the logits of the symbol after it. The one-at-a-time predictors of bytes and
// of tokens both step through it, and batched decoding drives many sequences through
// the two passes of a step, so all of them restart the window alike.
class WindowedSequence {
 public:
  // `model` must outlive the sequence.
  explicit WindowedSequence(const nn::Transformer& model) : model_(model), state_(model.NewState()) {}
  // Restart() then Feed(input, logits), each request evaluated before the next call.
  // REQUIRES: input < vocab; `logits` holds vocab floats.
  void Step(uint32_t input, float* logits);

  // The two passes of a step, for callers that evaluate many sequences' requests
  // together: first every sequence's Restart request (if it has one), then every Feed.
  // When the window is full, resets the state and returns the pass that re-reads the
  // recent inputs (its logits, written to `scratch`, are not needed); else nullopt.
  std::optional<nn::Transformer::Request> Restart(float* scratch);
  // The pass that reads `input` and writes the next symbol's logits; valid until the
  // next call on this sequence.
  nn::Transformer::Request Feed(uint32_t input, float* logits);

 private:
  const nn::Transformer& model_;
  std::unique_ptr<nn::TransformerState> state_;
  std::vector<uint32_t> inputs_;  // inputs fed so far (the recent part)
  std::vector<uint32_t> prime_;   // the restart pass's inputs
};

class TransformerPredictor final : public Predictor {
 public:
  explicit TransformerPredictor(std::shared_ptr<const nn::Transformer> model);
  Granularity granularity() const override { return Granularity::kByte; }
  void PredictByte(std::span<uint32_t, 257> cdf) override;
  void UpdateByte(uint8_t byte) override;
  // The logits behind the last PredictByte's distribution (for diagnostics and tests).
  std::span<const float, nn::kVocabSize> last_logits() const { return std::span<const float, nn::kVocabSize>(logits_); }

 private:
  std::shared_ptr<const nn::Transformer> model_;
  WindowedSequence sequence_;
  uint8_t next_input_ = 0;
  bool evaluated_ = false;
  float logits_[nn::kVocabSize];
};

// Creates the "tf" family's predictor from spec.weights_path.
Result<std::unique_ptr<Predictor>> NewTransformerPredictor(const ModelSpec& spec);

// Codes independent chunks with one model, many chunks per matrix product. Encoding
// evaluates a whole chunk in one pass; decoding advances all chunks of a batch one
// byte per pass. Both give the distributions TransformerPredictor gives, bit for bit,
// so either side may be run either way. `threads` splits the chunks into groups.
class TransformerCodec final : public Codec {
 public:
  TransformerCodec(std::string name, LoadedTransformer model);

  std::string name() const override { return name_; }
  Result<std::vector<uint8_t>> Compress(std::span<const uint8_t> input) const override;
  Result<std::vector<uint8_t>> Decompress(std::span<const uint8_t> input,
                                          size_t original_size) const override;
  uint64_t parameter_count() const override { return model_.model->parameter_count(); }

  // Batched forms: chunk i of `inputs` is coded into (*codes)[i]; sizes[i] bytes are
  // decoded from codes[i] into (*outputs)[i].
  Status CompressChunks(std::span<const std::span<const uint8_t>> inputs, int threads,
                        std::vector<std::vector<uint8_t>>* codes) const;
  Status DecompressChunks(std::span<const std::span<const uint8_t>> codes,
                          std::span<const size_t> sizes, int threads,
                          std::vector<std::vector<uint8_t>>* outputs) const;

  const nn::Transformer& model() const { return *model_.model; }

 private:
  std::string name_;
  LoadedTransformer model_;
};

// "tf-200k" -> models/tf-200k.gguf under `models_dir` (DefaultModelsDir() when empty).
Result<std::unique_ptr<TransformerCodec>> NewTransformerCodec(const std::string& name,
                                                              const std::string& models_dir = "");

}  // namespace lmzip
