// Transformers for the studies: trained by lmzip-train (a separate program: libtorch
// cannot share a process with SentencePiece, docs/neural.md) on token-id files that
// the study writes, then run by lmzip's own engine to code the evaluation chunks.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "lmzip/status.h"
#include "nn/token_file.h"
#include "nn/transformer.h"

namespace lmzip::study {

// A transformer shape: `width` x `layers`, `heads` heads (width / heads even).
struct TransformerShape {
  int width = 32;
  int layers = 2;
  int heads = 2;
  std::string Name() const;  // "tf-32x2"
};

// Parses "32x2" or "32x2x4" (width x layers [x heads]); heads default to width / 16
// (at least 1).
Result<TransformerShape> ParseShape(const std::string& text);

// How the study trains its transformers. Small defaults: a model trains in one to
// three minutes on one core (more for the largest vocabularies). Each model is trained at sequence length `seq_len` and its
// context is `seq_len` too: the coder slides a window over longer chunks, so that
// no position beyond the trained length is ever used.
struct TransformerTraining {
  std::string trainer;           // lmzip-train; "" = FindTrainer()
  std::string work_dir;          // token files, GGUF files and logs; "" = a temporary folder
  int64_t steps = 150;
  int batch = 4;
  int seq_len = 128;             // symbols per training sequence = the model's context
  double learning_rate = 3e-3;
  int warmup = 30;
  int train_threads = 1;         // libtorch threads of each lmzip-train run
  uint64_t seed = 1;
};

// lmzip-train next to the running program (or $LMZIP_TRAIN), "" when there is none:
// builds without libtorch have no trainer.
std::string FindTrainer();

// A trained model and what its training said.
struct TrainedTransformer {
  std::shared_ptr<const nn::Transformer> model;
  std::string gguf_path;
  double validation_bpb = 0;  // held-out bits per original byte, from the trainer
};

// Runs lmzip-train on `train` (held-out `valid`) with `shape`, writing files named
// after `name` under the work folder. IOError with the end of the trainer's log when
// it fails.
Result<TrainedTransformer> TrainTransformer(const TransformerTraining& training, const TransformerShape& shape,
                                            const std::string& name, const nn::TokenChunks& train,
                                            const nn::TokenChunks& valid);

// Coded bytes of each chunk (token ids, or bytes widened for vocabulary 256) under
// `model`: real arithmetic-coded streams (model/token_transformer.h).
Result<std::vector<uint64_t>> CodedChunkBytes(std::shared_ptr<const nn::Transformer> model,
                                              const std::vector<std::vector<uint32_t>>& chunks, int threads);

// A temporary folder removed when the object goes (only what it made).
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& preferred);
  ~ScratchDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool owned_ = false;
};

}  // namespace lmzip::study
