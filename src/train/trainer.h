// Training of lmzip's transformers with libtorch on the CPU.
//
// The corpus is one byte file: the first (1 - validation_fraction) of it trains, the
// rest is held out and scored as non-overlapping chunks of eval_chunk_size bytes, each
// starting fresh and, where a chunk is longer than the model's context, with the
// coder's sliding window (exactly how the coder sees 2048-byte chunks). Every training
// sequence likewise starts at position 0 with input byte 0.
//
// Or token ids (a token-level model): a token-id file (nn/token_file.h) of tokenized
// chunks trains; the held-out chunks come from a second such file, or are the last
// validation_fraction of the first file's chunks. Each held-out chunk is scored from a
// fresh start with the coder's sliding windows (model/token_transformer.h), and the
// loss is reported in bits per byte of the original text.
#pragma once

#include <cstdint>
#include <string>

#include "lmzip/status.h"
#include "nn/transformer_weights.h"

namespace lmzip::train {

struct TrainOptions {
  nn::TransformerConfig model;
  std::string corpus_path;           // a byte corpus, or:
  std::string tokens_path;           // a token-id file (then corpus_path is unused)
  std::string valid_tokens_path;     // held-out token-id chunks ("" = the tail of tokens_path)
  std::string corpus_name;           // recorded in the GGUF file; the path when empty
  double validation_fraction = 0.05;
  std::string output_path;           // .gguf written at the end
  bool float16 = true;               // else float32
  std::string checkpoint_path;       // written every checkpoint_every steps; "" = none
  int checkpoint_every = 500;
  bool resume = false;               // continue from checkpoint_path
  int64_t steps = 1000;
  int batch = 16;                    // sequences per step at seq_len
  int seq_len = 256;                 // bytes per training sequence for most steps
  double final_fraction = 0.1;       // last part of the steps trains on `context`-long sequences
  double learning_rate = 2e-3;
  int warmup_steps = 100;
  double weight_decay = 0.01;
  int eval_every = 250;
  int eval_chunks = 32;              // held-out chunks scored (0 = the whole held-out part)
  int64_t eval_chunk_size = 2048;    // bytes per held-out chunk, each coded from a fresh state
  int threads = 1;
  uint64_t seed = 1;
  std::string log_path;              // CSV: step,tokens,train_bpb,validation_bpb,seconds
  bool progress = true;              // a progress line on stderr
};

struct TrainResult {
  int64_t steps = 0;
  uint64_t tokens = 0;
  double final_train_bpb = 0;
  double validation_bpb = 0;  // on the first eval_chunks held-out chunks, bits per original byte
};

// Trains (or resumes) and writes the GGUF file. IOError/InvalidArgument on bad input.
Result<TrainResult> Train(const TrainOptions& options);

}  // namespace lmzip::train
