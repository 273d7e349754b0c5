#include "model/transformer_model.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

#include "coder/arithmetic_coder.h"
#include "nn/windows.h"

#ifndef LMZIP_MODELS_DIR
#define LMZIP_MODELS_DIR "models"
#endif

namespace lmzip {
namespace {

// Chunks decoded in lockstep per group: enough rows for matrix-matrix products,
// few enough to bound the key/value caches (width x context x layers x 8 bytes each).
constexpr size_t kDecodeBatch = 16;

}  // namespace

Result<LoadedTransformer> LoadTransformer(const std::string& path) {
  static std::mutex mu;
  static std::map<std::string, LoadedTransformer> cache;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = cache.find(path); it != cache.end()) return it->second;
  LoadedTransformer loaded;
  LMZIP_ASSIGN_OR_RETURN(loaded.model, nn::Transformer::Load(path, &loaded.hash));
  if (loaded.model->config().vocab != nn::kVocabSize) {
    return Status::NotSupported(path + ": a token-level model (vocabulary " +
                                std::to_string(loaded.model->config().vocab) +
                                "); files are coded with byte-level models (vocabulary 256)");
  }
  cache[path] = loaded;
  return loaded;
}

std::string DefaultModelsDir() {
  const char* env = std::getenv("LMZIP_MODELS_DIR");
  return env != nullptr && env[0] != '\0' ? env : LMZIP_MODELS_DIR;
}

std::optional<nn::Transformer::Request> WindowedSequence::Restart(float* scratch) {
  const size_t context = static_cast<size_t>(model_.config().context);
  if (static_cast<size_t>(state_->position()) != context) return std::nullopt;
  // Input 0 followed by the last context/2 - 1 inputs; the next Feed follows them.
  state_->Reset();
  const size_t keep = context / 2;
  if (keep == 0) return std::nullopt;
  prime_.assign(1, 0);
  prime_.insert(prime_.end(), inputs_.end() - static_cast<ptrdiff_t>(keep - 1), inputs_.end());
  nn::Transformer::Request req{state_.get(), {}, scratch, true};
  req.tokens = prime_;
  return req;
}

nn::Transformer::Request WindowedSequence::Feed(uint32_t input, float* logits) {
  const size_t context = static_cast<size_t>(model_.config().context);
  if (inputs_.size() >= 2 * context) inputs_.erase(inputs_.begin(), inputs_.end() - static_cast<ptrdiff_t>(context));
  inputs_.push_back(input);
  nn::Transformer::Request req{state_.get(), {}, logits, true};
  req.tokens = {&inputs_.back(), 1};
  return req;
}

void WindowedSequence::Step(uint32_t input, float* logits) {
  if (const auto restart = Restart(logits)) model_.Evaluate({&*restart, 1});
  const nn::Transformer::Request feed = Feed(input, logits);
  model_.Evaluate({&feed, 1});
}

TransformerPredictor::TransformerPredictor(std::shared_ptr<const nn::Transformer> model)
    : model_(std::move(model)), sequence_(*model_) {}

void TransformerPredictor::PredictByte(std::span<uint32_t, 257> cdf) {
  if (!evaluated_) {
    sequence_.Step(next_input_, logits_);
    evaluated_ = true;
  }
  nn::LogitsToCdf(logits_, cdf.data());
}

void TransformerPredictor::UpdateByte(uint8_t byte) {
  next_input_ = byte;
  evaluated_ = false;
}

Result<std::unique_ptr<Predictor>> NewTransformerPredictor(const ModelSpec& spec) {
  if (spec.weights_path.empty()) {
    return Status::InvalidArgument("model 'tf' needs a weights file (--model FILE.gguf)");
  }
  LMZIP_ASSIGN_OR_RETURN(LoadedTransformer loaded, LoadTransformer(spec.weights_path));
  return std::unique_ptr<Predictor>(std::make_unique<TransformerPredictor>(loaded.model));
}

TransformerCodec::TransformerCodec(std::string name, LoadedTransformer model)
    : name_(std::move(name)), model_(std::move(model)) {}

Result<std::vector<uint8_t>> TransformerCodec::Compress(std::span<const uint8_t> input) const {
  std::vector<std::vector<uint8_t>> codes;
  const std::span<const uint8_t> one[1] = {input};
  LMZIP_RETURN_IF_ERROR(CompressChunks(one, 1, &codes));
  return std::move(codes[0]);
}

Result<std::vector<uint8_t>> TransformerCodec::Decompress(std::span<const uint8_t> input,
                                                          size_t original_size) const {
  std::vector<std::vector<uint8_t>> outputs;
  const std::span<const uint8_t> one[1] = {input};
  const size_t sizes[1] = {original_size};
  LMZIP_RETURN_IF_ERROR(DecompressChunks(one, sizes, 1, &outputs));
  return std::move(outputs[0]);
}

Status TransformerCodec::CompressChunks(std::span<const std::span<const uint8_t>> inputs, int threads,
                                        std::vector<std::vector<uint8_t>>* codes) const {
  codes->assign(inputs.size(), {});
  const nn::Transformer& m = *model_.model;
  const size_t context = static_cast<size_t>(m.config().context);
  ForEachGroup(inputs.size(), threads, [&](size_t begin, size_t end) {
    std::vector<float> logits;
    std::vector<uint8_t> window_inputs;
    std::unique_ptr<nn::TransformerState> state = m.NewState();
    uint32_t cdf[257];
    for (size_t c = begin; c < end; ++c) {
      const std::span<const uint8_t> in = inputs[c];
      ArithmeticCoder coder(&(*codes)[c]);
      if (context < 2) {
        TransformerPredictor predictor(model_.model);
        for (uint8_t b : in) CodeByte(predictor, coder, b);
      } else {
        // Each window in one pass: inputs (0, in[start], ..., in[start + rows - 2]).
        for (const nn::SequenceWindow& w : nn::PlanWindows(in.size(), context)) {
          window_inputs.assign(1, 0);
          window_inputs.insert(window_inputs.end(), in.begin() + static_cast<ptrdiff_t>(w.start),
                               in.begin() + static_cast<ptrdiff_t>(w.start + w.rows - 1));
          logits.resize(w.rows * nn::kVocabSize);
          state->Reset();
          const nn::Transformer::Request req{state.get(), window_inputs, logits.data(), false};
          m.Evaluate({&req, 1});
          for (size_t r = w.skip; r < w.rows; ++r) {
            nn::LogitsToCdf(logits.data() + r * nn::kVocabSize, cdf);
            coder.CodeSymbol(in[w.start + r], cdf, kCdfBits);
          }
        }
      }
      coder.Flush();
    }
  });
  return Status::Ok();
}

Status TransformerCodec::DecompressChunks(std::span<const std::span<const uint8_t>> codes,
                                          std::span<const size_t> sizes, int threads,
                                          std::vector<std::vector<uint8_t>>* outputs) const {
  if (codes.size() != sizes.size()) return Status::InvalidArgument("one size per chunk is needed");
  outputs->assign(codes.size(), {});
  const nn::Transformer& m = *model_.model;
  ForEachGroup(codes.size(), threads, [&](size_t begin, size_t end) {
    uint32_t cdf[257];
    std::vector<float> logits(kDecodeBatch * nn::kVocabSize);
    std::vector<nn::Transformer::Request> requests;
    std::vector<size_t> active;
    // The chunks of a batch advance one byte per pass, each through its own window.
    for (size_t first = begin; first < end; first += kDecodeBatch) {
      const size_t n = std::min(end, first + kDecodeBatch) - first;
      std::vector<ArithmeticCoder> coders;
      std::vector<WindowedSequence> sequences;
      coders.reserve(n);
      sequences.reserve(n);
      size_t longest = 0;
      for (size_t k = 0; k < n; ++k) {
        (*outputs)[first + k].resize(sizes[first + k]);
        coders.emplace_back(codes[first + k]);
        sequences.emplace_back(m);
        longest = std::max(longest, sizes[first + k]);
      }
      for (size_t t = 0; t < longest; ++t) {
        active.clear();
        for (size_t k = 0; k < n; ++k) {
          if (t < sizes[first + k]) active.push_back(k);
        }
        requests.clear();
        for (size_t k : active) {
          if (auto restart = sequences[k].Restart(logits.data() + k * nn::kVocabSize)) requests.push_back(*restart);
        }
        if (!requests.empty()) m.Evaluate(requests);
        requests.clear();
        for (size_t k : active) {
          const uint32_t input = t == 0 ? 0 : (*outputs)[first + k][t - 1];
          requests.push_back(sequences[k].Feed(input, logits.data() + k * nn::kVocabSize));
        }
        m.Evaluate(requests);
        for (size_t k : active) {
          nn::LogitsToCdf(logits.data() + k * nn::kVocabSize, cdf);
          (*outputs)[first + k][t] = static_cast<uint8_t>(coders[k].CodeSymbol(0, cdf, kCdfBits));
        }
      }
    }
  });
  return Status::Ok();
}

Result<std::unique_ptr<TransformerCodec>> NewTransformerCodec(const std::string& name,
                                                              const std::string& models_dir) {
  const std::string dir = models_dir.empty() ? DefaultModelsDir() : models_dir;
  LMZIP_ASSIGN_OR_RETURN(LoadedTransformer loaded, LoadTransformer(dir + "/" + name + ".gguf"));
  return std::make_unique<TransformerCodec>(name, std::move(loaded));
}

}  // namespace lmzip
