// `lmzip train`: trains a transformer on a text corpus (bytes) or on token ids, and
// writes GGUF.
#include <CLI/CLI.hpp>
#include <cstdio>

#include <fmt/format.h>

#include "train/trainer.h"

int TrainMain(int argc, char** argv) {
  lmzip::train::TrainOptions o;
  std::string shape;
  bool f32 = false;
  bool quiet = false;
  CLI::App app{"Trains a byte-level transformer (rotary, GELU, post-LN) with libtorch on the CPU\n"
               "and writes its weights as GGUF. The last --validation-fraction of the corpus is\n"
               "held out and reported in bits per byte.",
               "lmzip train"};
  app.add_option("corpus", o.corpus_path, "Training text (one file); or --tokens");
  app.add_option("--tokens", o.tokens_path,
                 "Token-id file (written by lmzip's tokens study) to train a token-level model on");
  app.add_option("--valid-tokens", o.valid_tokens_path,
                 "Held-out token-id file (default: the last --validation-fraction of --tokens' chunks)");
  app.add_option("--vocab", o.model.vocab, "Vocabulary of a token-level model (default: the token file's)")
      ->check(CLI::Range(2, lmzip::nn::kMaxVocabSize));
  app.add_option("-o,--output", o.output_path, "GGUF file to write")->required();
  app.add_option("--shape", shape, "The paper's shapes: 200k (64 wide, 4 heads), 800k (128, 4), 3.2m (256, 8)")
      ->check(CLI::IsMember({"200k", "800k", "3.2m"}));
  app.add_option("--width", o.model.width, "Embedding width");
  app.add_option("--layers", o.model.layers, "Transformer blocks");
  app.add_option("--heads", o.model.heads, "Attention heads");
  auto* context_option = app.add_option(
      "--context", o.model.context,
      "The model's window in bytes (default: --seq-len); longer inputs slide it, restarting on its last half");
  app.add_option("--steps", o.steps, "Optimiser steps")->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  app.add_option("--batch", o.batch, "Sequences per step at --seq-len")->check(CLI::Range(1, 1 << 16));
  app.add_option("--seq-len", o.seq_len, "Sequence length for most steps")->check(CLI::Range(1, 1 << 16));
  app.add_option("--final-fraction", o.final_fraction,
                 "Fraction of the steps, at the end, trained on full-context sequences")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--lr", o.learning_rate, "Peak learning rate (AdamW; warmup then cosine to 10%)");
  app.add_option("--warmup", o.warmup_steps, "Warmup steps");
  app.add_option("--weight-decay", o.weight_decay, "AdamW weight decay");
  app.add_option("--validation-fraction", o.validation_fraction, "Held-out tail of the corpus")
      ->check(CLI::Range(0.0, 0.5));
  app.add_option("--eval-every", o.eval_every, "Steps between validation runs (0 = only at the end)");
  app.add_option("--eval-chunks", o.eval_chunks, "Held-out chunks scored during training");
  app.add_option("--eval-chunk-size", o.eval_chunk_size,
                 "Bytes per held-out chunk of a byte corpus, coded from a fresh state with the coder's\n"
                 "sliding window (token files carry their own chunks)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 24));
  app.add_option("--checkpoint", o.checkpoint_path, "Checkpoint path prefix");
  app.add_option("--checkpoint-every", o.checkpoint_every, "Steps between checkpoints");
  app.add_flag("--resume", o.resume, "Continue from --checkpoint");
  app.add_option("--log", o.log_path, "CSV log of the loss curve");
  app.add_option("--corpus-name", o.corpus_name, "Description of the corpus stored in the GGUF file");
  app.add_flag("--f32", f32, "Store float32 weights (default float16)");
  app.add_option("-T,--threads", o.threads, "libtorch threads")->check(CLI::Range(1, 1024));
  app.add_option("--seed", o.seed, "Random seed");
  app.add_flag("-q,--quiet", quiet, "No progress line");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (o.corpus_path.empty() == o.tokens_path.empty()) {
    fmt::print(stderr, "lmzip train: give either a corpus or --tokens\n");
    return 2;
  }
  if (shape == "200k") {
    o.model.width = 64;
    o.model.heads = 4;
  } else if (shape == "800k") {
    o.model.width = 128;
    o.model.heads = 4;
  } else if (shape == "3.2m") {
    o.model.width = 256;
    o.model.heads = 8;
  }
  // A model is trained at its window: positions it never trained on would cost dearly.
  if (context_option->count() == 0) o.model.context = o.seq_len;
  o.float16 = !f32;
  o.progress = !quiet;
  if (!quiet) {
    fmt::print(stderr, "training: width {}, {} layers, {} heads, context {}{}\n", o.model.width, o.model.layers,
               o.model.heads, o.model.context, o.tokens_path.empty() ? "" : ", token ids");
  }
  auto result = lmzip::train::Train(o);
  if (!result.ok()) {
    fmt::print(stderr, "lmzip train: {}\n", result.status().message());
    return 1;
  }
  fmt::print(stderr, "{}: {} steps, {} {} seen, train {:.4f} bits per {}, held-out {:.4f} bpb\n",
             o.output_path, result->steps, result->tokens, o.tokens_path.empty() ? "bytes" : "tokens",
             result->final_train_bpb, o.tokens_path.empty() ? "byte" : "token", result->validation_bpb);
  return 0;
}
