// The paper's findings as reruns (docs/findings.md):
//   context  rate vs chunk size, per modality        (finding 2, in-context learning)
//   scaling  adjusted rate vs model size, for three  (finding 1)
//            dataset sizes 10x apart
//   tokens   bytes vs BPE vocabularies, raw and      (finding 3, Table 2's shape)
//            adjusted rates on the original bytes
// Each gives points (one per dataset x model x setting), a CSV and PNG line plots.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lmzip/bench.h"
#include "lmzip/status.h"
#include "study/transformer_training.h"

namespace lmzip::study {

struct StudyPoint {
  std::string dataset;     // "text", "images", "audio", or a size such as "text 1 MB"
  std::string model;       // codec or model name
  double x = 0;            // the varied setting: chunk size, parameters, vocabulary
  uint64_t raw_bytes = 0;
  uint64_t parameters = 0;
  uint64_t side_bytes = 0;  // tokenizer, primed state
  double raw_rate = 0;      // compressed / raw
  double adjusted_rate = 0; // (compressed + 2 * parameters + side) / raw
  double tokens_per_byte = 0;  // tokens study only
};

struct StudyResult {
  std::string name;     // "context", "scaling", "tokens"
  std::string x_label;
  std::vector<StudyPoint> points;
  std::vector<std::string> notes;  // what a reader must know: caps, skipped rows, optima
};

// dataset,model,x,raw_bytes,parameters,side_bytes,raw_rate,adjusted_rate,tokens_per_byte
std::string StudyCsv(const StudyResult& result);

// Transformers of this build: models/tf-*.gguf under `models_dir`, as bench codec
// names: the registry's "tf-<shape>" when it makes one, else "tf:PATH" (empty when the
// build runs no transformer or there are none).
std::vector<std::string> TransformerCodecs(const std::string& models_dir);
// A bench factory that also makes "tf:PATH" codecs.
BenchCodecFactory StudyCodecFactory();

struct ContextOptions {
  std::vector<size_t> chunk_sizes = {128, 256, 512, 1024, 2048, 4096, 8192};
  std::vector<std::string> codecs = {"gzip", "lzma2", "lmzip-cm-1", "lmzip-cm-6"};
  int threads = 0;
  bool progress = false;
};
// Every dataset is cut to a multiple of the largest chunk size, so that every chunk
// size sees the same bytes.
Result<StudyResult> RunContextStudy(std::span<const BenchDataset> datasets, const ContextOptions& options);

struct ScalingOptions {
  std::vector<uint64_t> dataset_sizes = {100'000, 1'000'000, 10'000'000};
  uint64_t train_bytes = 2'000'000;      // n-gram training text: the end of the corpus
  std::vector<int> ngram_orders = {0, 1, 2, 3, 4, 5};
  std::vector<std::string> codecs = {"lmzip-cm-1", "lmzip-cm-6"};  // plus transformers
  // Byte-level transformers trained by lmzip-train on the same text as the n-grams
  // (skipped, with a note, when this build has no trainer; empty = none).
  std::vector<TransformerShape> transformer_shapes = {{16, 2, 1}, {32, 2, 2}, {64, 2, 4}};
  TransformerTraining training;
  size_t chunk_size = 2048;
  int threads = 0;
  bool progress = false;
};
// Evaluation sets are the first N bytes of `text`; the n-grams and transformers train
// on its last train_bytes, which no evaluation set reaches (sizes that would are
// capped, with a note). Notes name the best model for each dataset size.
Result<StudyResult> RunScalingStudy(std::span<const uint8_t> text, const ScalingOptions& options);

struct TokensOptions {
  std::vector<int> vocabularies = {1000, 2000, 5000, 10000, 20000};  // plus bytes (256)
  std::vector<int> ngram_orders = {1, 2};  // a small and a larger model
  uint64_t train_bytes = 2'000'000;        // tokenizer and model training: the end of the text
  uint64_t eval_bytes = 256 * 1024;        // held out: the start of the text
  // A small and a larger transformer per vocabulary, trained by lmzip-train on the
  // training text's chunks (skipped, with a note, without a trainer; empty = none).
  std::vector<TransformerShape> transformer_shapes = {{32, 2, 2}, {64, 2, 4}};
  TransformerTraining training;
  size_t chunk_size = 2048;
  int threads = 0;
  bool progress = false;
};
// Each chunk is tokenized on its own and must decode to its bytes; a chunk that does
// not is coded as raw bytes (8 bits each, with a note). Rates are on the original bytes.
// Transformer rows are real coded streams; token rows also pay each chunk's token
// count (a varint), which a decoder needs.
Result<StudyResult> RunTokensStudy(std::span<const uint8_t> text, const TokensOptions& options);

// The study's table for a terminal.
std::string FormatStudy(const StudyResult& result);

// Writes the study's PNG plots into `dir` with gnuplot (NotSupported without it).
Status PlotStudy(const StudyResult& result, const std::string& dir, std::vector<std::string>* written);

}  // namespace lmzip::study
