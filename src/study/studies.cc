#include "study/studies.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "codec/model_codec.h"
#include "codec/registry.h"
#include "generate/next_byte.h"
#include "study/ngram.h"
#include "study/tokenizer.h"
#include "util/progress.h"

#include <thread>

namespace lmzip::study {
namespace {

constexpr std::string_view kTransformerPrefix = "tf:";

// Bytes an arithmetic coder writes for `bits` of ideal code: rounded up, plus the
// flush (lmzip's coder stays within 0.1% plus a few bytes of the ideal).
uint64_t CodedBytes(double bits) { return static_cast<uint64_t>(std::ceil(bits / 8)) + 2; }

std::string SizeName(uint64_t bytes) {
  if (bytes >= 1'000'000 && bytes % 1'000'000 == 0) return fmt::format("{} MB", bytes / 1'000'000);
  if (bytes >= 1'000'000) return fmt::format("{:.1f} MB", bytes / 1e6);
  if (bytes >= 1000 && bytes % 1000 == 0) return fmt::format("{} kB", bytes / 1000);
  if (bytes >= 1000) return fmt::format("{:.1f} kB", bytes / 1e3);
  return fmt::format("{} B", bytes);
}

StudyPoint FromBenchRow(const BenchRow& row, std::string dataset, double x) {
  StudyPoint p;
  p.dataset = std::move(dataset);
  p.model = row.codec;
  p.x = x;
  p.raw_bytes = row.raw_bytes;
  p.parameters = row.parameters;
  p.side_bytes = row.side_bytes;
  p.raw_rate = row.raw_rate;
  p.adjusted_rate = row.adjusted_rate;
  return p;
}

// Chunked code size of `symbols_per_chunk` under `model`, in bytes.
uint64_t NgramChunkedBytes(const NgramModel& model,
                           const std::vector<std::vector<uint32_t>>& symbols_per_chunk) {
  uint64_t total = 0;
  for (const auto& chunk : symbols_per_chunk) total += CodedBytes(model.CodeLengthBits(chunk));
  return total;
}

std::vector<uint32_t> Widen(std::span<const uint8_t> bytes) { return {bytes.begin(), bytes.end()}; }

// A model's point: `coded` bytes for `raw_bytes`, rates raw and adjusted (2 bytes per
// parameter plus the side bytes).
StudyPoint RatePoint(std::string dataset, std::string model, double x, uint64_t raw_bytes, uint64_t coded,
                     uint64_t parameters, uint64_t side_bytes) {
  StudyPoint p;
  p.dataset = std::move(dataset);
  p.model = std::move(model);
  p.x = x;
  p.raw_bytes = raw_bytes;
  p.parameters = parameters;
  p.side_bytes = side_bytes;
  p.raw_rate = static_cast<double>(coded) / static_cast<double>(raw_bytes);
  p.adjusted_rate = static_cast<double>(coded + 2 * parameters + side_bytes) / static_cast<double>(raw_bytes);
  return p;
}

int ResolveThreads(int threads) {
  return threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// Bytes of a LEB128 varint of `v`.
uint64_t VarintBytes(uint64_t v) {
  uint64_t n = 1;
  while (v >= 128) {
    v >>= 7;
    ++n;
  }
  return n;
}

// The trainer to use, or "" with a note saying why the transformer rows are missing.
std::string TrainerOrNote(const TransformerTraining& training, StudyResult* result) {
  const std::string trainer = training.trainer.empty() ? FindTrainer() : training.trainer;
  if (trainer.empty()) {
    result->notes.push_back("transformer rows skipped: this build has no lmzip-train (it needs libtorch: "
                            "install libtorch-dev and reconfigure)");
  }
  return trainer;
}

std::string TrainingNote(const TransformerTraining& t, const std::vector<TransformerShape>& shapes) {
  std::string names;
  for (const TransformerShape& s : shapes) names += (names.empty() ? "" : ", ") + s.Name() + fmt::format(" ({} head{})", s.heads, s.heads == 1 ? "" : "s");
  return fmt::format("transformers {} (width x layers): {} steps of {} sequences of {} symbols, context {} "
                     "(longer chunks slide a window), lr {}, trained by lmzip-train",
                     names, t.steps, t.batch, t.seq_len, t.seq_len, t.learning_rate);
}


// The bench's chunked run (no whole streams) of `codecs`, transformers included.
Result<BenchReport> RunChunked(std::span<const BenchDataset> sets, const std::vector<std::string>& codecs,
                               size_t chunk_size, int threads, bool progress) {
  BenchOptions bench;
  bench.codecs = codecs;
  bench.chunk_size = chunk_size;
  bench.whole = false;
  bench.threads = threads;
  bench.progress = progress;
  bench.make_codec = StudyCodecFactory();
  bench.counts_header_once = [](std::string_view name) {
    return !name.starts_with(kTransformerPrefix) && CountsHeaderOnce(name);
  };
  return RunBench(sets, bench);
}

}  // namespace

std::string StudyCsv(const StudyResult& result) {
  std::string out = "dataset,model,x,raw_bytes,parameters,side_bytes,raw_rate,adjusted_rate,tokens_per_byte\n";
  for (const StudyPoint& p : result.points) {
    out += fmt::format("{},{},{},{},{},{},{:.6f},{:.6f},{:.6f}\n", p.dataset, p.model, p.x, p.raw_bytes,
                       p.parameters, p.side_bytes, p.raw_rate, p.adjusted_rate, p.tokens_per_byte);
  }
  return out;
}

std::vector<std::string> TransformerCodecs(const std::string& models_dir) {
  std::vector<std::string> out;
  if (generate::TransformerFamily().empty()) return out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(models_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("tf-") && name.ends_with(".gguf")) {
      // The registry's own transformer codec when it has one (batched chunks), else
      // the model family through the generic model codec.
      const std::string stem = entry.path().stem().string();
      out.push_back(CreateCodec(stem).ok() ? stem : std::string(kTransformerPrefix) + entry.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

BenchCodecFactory StudyCodecFactory() {
  return [](std::string_view name, const BenchDataset& data) -> Result<std::unique_ptr<Codec>> {
    if (name.starts_with(kTransformerPrefix)) {
      ModelSpec spec;
      spec.name = generate::TransformerFamily();
      spec.weights_path = std::string(name.substr(kTransformerPrefix.size()));
      if (spec.name.empty()) return Status::NotSupported("this build runs no transformer");
      return std::unique_ptr<Codec>(std::make_unique<ModelCodec>(spec));
    }
    CodecOptions options;
    options.sample_rate = data.sample_rate;
    return CreateCodec(name, options);
  };
}

Result<StudyResult> RunContextStudy(std::span<const BenchDataset> datasets, const ContextOptions& options) {
  if (options.chunk_sizes.empty() || options.codecs.empty()) {
    return Status::InvalidArgument("the context study needs chunk sizes and codecs");
  }
  const size_t largest = *std::max_element(options.chunk_sizes.begin(), options.chunk_sizes.end());
  StudyResult result;
  result.name = "context";
  result.x_label = "chunk size (bytes)";
  std::vector<BenchDataset> cut(datasets.begin(), datasets.end());
  for (BenchDataset& d : cut) {
    d.bytes.resize(d.bytes.size() / largest * largest);
    if (d.bytes.empty()) {
      return Status::InvalidArgument(d.name + ": fewer bytes than the largest chunk size");
    }
    result.notes.push_back(fmt::format("{}: {} from {}", d.name, SizeName(d.bytes.size()), d.source));
  }
  for (size_t chunk : options.chunk_sizes) {
    LMZIP_ASSIGN_OR_RETURN(BenchReport report,
                           RunChunked(cut, options.codecs, chunk, options.threads, options.progress));
    for (const BenchRow& row : report.rows) {
      result.points.push_back(FromBenchRow(row, row.dataset, static_cast<double>(chunk)));
    }
  }
  return result;
}

Result<StudyResult> RunScalingStudy(std::span<const uint8_t> text, const ScalingOptions& options) {
  if (text.size() <= options.train_bytes) {
    return Status::InvalidArgument(fmt::format("the scaling study needs more than {} of text (has {})",
                                               SizeName(options.train_bytes), SizeName(text.size())));
  }
  StudyResult result;
  result.name = "scaling";
  result.x_label = "parameters";
  const size_t train_start = text.size() - options.train_bytes;
  const std::vector<uint32_t> train = Widen(text.subspan(train_start));
  result.notes.push_back(fmt::format("n-grams trained on the last {} of the text; evaluation on its start",
                                     SizeName(options.train_bytes)));

  std::vector<BenchDataset> sets;
  for (uint64_t size : options.dataset_sizes) {
    uint64_t n = std::min<uint64_t>(size, train_start) / options.chunk_size * options.chunk_size;
    if (size > train_start) {
      result.notes.push_back(fmt::format("{} capped to {}: the rest of the text trains the n-grams",
                                         SizeName(size), SizeName(n)));
    }
    if (n == 0) return Status::InvalidArgument("text too short for " + SizeName(size));
    BenchDataset d;
    d.name = "text " + SizeName(size);
    d.source = "first " + SizeName(n);
    d.bytes.assign(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(n));
    sets.push_back(std::move(d));
  }

  // Trained n-grams of growing order: the model family whose size is varied.
  for (int order : options.ngram_orders) {
    NgramModel model(order, 256);
    model.Train(train);
    for (const BenchDataset& d : sets) {
      std::vector<std::vector<uint32_t>> chunks;
      for (size_t pos = 0; pos < d.bytes.size(); pos += options.chunk_size) {
        chunks.push_back(Widen(std::span(d.bytes).subspan(pos, options.chunk_size)));
      }
      result.points.push_back(RatePoint(d.name, fmt::format("ngram-{}", order),
                                        static_cast<double>(model.parameters()), d.bytes.size(),
                                        NgramChunkedBytes(model, chunks), model.parameters(), 0));
    }
  }

  if (!options.codecs.empty()) {
    LMZIP_ASSIGN_OR_RETURN(BenchReport report, RunChunked(sets, options.codecs, options.chunk_size,
                                                          options.threads, options.progress));
    for (const BenchRow& row : report.rows) {
      result.points.push_back(
          FromBenchRow(row, row.dataset, static_cast<double>(row.parameters + row.side_bytes / 2)));
    }
  }

  std::vector<std::string> transformer_names;
  if (!options.transformer_shapes.empty()) {
    TransformerTraining training = options.training;
    training.trainer = TrainerOrNote(training, &result);
    if (!training.trainer.empty()) {
      ScratchDir scratch(training.work_dir);
      training.work_dir = scratch.path();
      result.notes.push_back(TrainingNote(training, options.transformer_shapes));
      // Chunks of the training text; the evaluation sets are prefixes of the largest,
      // so each model codes the largest once.
      nn::TokenChunks train_chunks, valid;
      const auto train_text = text.subspan(train_start);
      for (size_t pos = 0; pos < train_text.size(); pos += options.chunk_size) {
        const auto chunk = train_text.subspan(pos, std::min(options.chunk_size, train_text.size() - pos));
        train_chunks.Add(Widen(chunk), static_cast<uint32_t>(chunk.size()));
      }
      const BenchDataset* largest = &sets[0];
      for (const BenchDataset& d : sets) largest = d.bytes.size() > largest->bytes.size() ? &d : largest;
      std::vector<std::vector<uint32_t>> eval_chunks;
      for (size_t pos = 0; pos < largest->bytes.size(); pos += options.chunk_size) {
        eval_chunks.push_back(Widen(std::span(largest->bytes).subspan(pos, options.chunk_size)));
        if (valid.chunks() < 16) valid.Add(eval_chunks.back(), static_cast<uint32_t>(eval_chunks.back().size()));
      }
      ProgressBar bar("scaling: transformers", 2 * options.transformer_shapes.size(), options.progress, false);
      for (const TransformerShape& shape : options.transformer_shapes) {
        LMZIP_ASSIGN_OR_RETURN(TrainedTransformer trained,
                               TrainTransformer(training, shape, "scaling-" + shape.Name(), train_chunks, valid));
        bar.Add(1);
        LMZIP_ASSIGN_OR_RETURN(std::vector<uint64_t> sizes,
                               CodedChunkBytes(trained.model, eval_chunks, ResolveThreads(options.threads)));
        bar.Add(1);
        transformer_names.push_back(shape.Name());
        for (const BenchDataset& d : sets) {
          uint64_t coded = 0;
          for (size_t c = 0; c < d.bytes.size() / options.chunk_size; ++c) coded += sizes[c];
          const uint64_t parameters = trained.model->parameter_count();
          result.points.push_back(RatePoint(d.name, shape.Name(), static_cast<double>(parameters), d.bytes.size(),
                                            coded, parameters, 0));
        }
      }
      bar.Finish();
    }
  }

  for (const BenchDataset& d : sets) {
    const StudyPoint* best_tf = nullptr;
    for (const StudyPoint& p : result.points) {
      if (p.dataset == d.name &&
          std::find(transformer_names.begin(), transformer_names.end(), p.model) != transformer_names.end() &&
          (best_tf == nullptr || p.adjusted_rate < best_tf->adjusted_rate)) {
        best_tf = &p;
      }
    }
    if (best_tf != nullptr) {
      result.notes.push_back(fmt::format("best transformer for {}: {} ({} parameters), adjusted rate {:.1f}%",
                                         d.name, best_tf->model, best_tf->parameters, 100 * best_tf->adjusted_rate));
    }
  }
  for (const BenchDataset& d : sets) {
    const StudyPoint* best_ngram = nullptr;
    for (const StudyPoint& p : result.points) {
      if (p.dataset == d.name && p.model.starts_with("ngram-") &&
          (best_ngram == nullptr || p.adjusted_rate < best_ngram->adjusted_rate)) {
        best_ngram = &p;
      }
    }
    if (best_ngram != nullptr) {
      result.notes.push_back(fmt::format("best n-gram for {}: {} ({} parameters), adjusted rate {:.1f}%", d.name,
                                         best_ngram->model, best_ngram->parameters, 100 * best_ngram->adjusted_rate));
    }
  }
  for (const BenchDataset& d : sets) {
    const StudyPoint* best = nullptr;
    for (const StudyPoint& p : result.points) {
      if (p.dataset == d.name && (best == nullptr || p.adjusted_rate < best->adjusted_rate)) best = &p;
    }
    if (best != nullptr) {
      result.notes.push_back(fmt::format("best for {}: {} ({} parameters), adjusted rate {:.1f}%", d.name,
                                         best->model, best->parameters, 100 * best->adjusted_rate));
    }
  }
  return result;
}

Result<StudyResult> RunTokensStudy(std::span<const uint8_t> text, const TokensOptions& options) {
  if (text.size() < options.train_bytes + options.eval_bytes) {
    return Status::InvalidArgument("the tokens study needs " +
                                   SizeName(options.train_bytes + options.eval_bytes) + " of text");
  }
  StudyResult result;
  result.name = "tokens";
  result.x_label = "vocabulary (tokens)";
  const auto train_bytes = text.subspan(text.size() - options.train_bytes);
  const auto eval = text.first(options.eval_bytes / options.chunk_size * options.chunk_size);
  result.notes.push_back(fmt::format("tokenizers and n-grams trained on the last {}; {} held out, in {}-byte chunks",
                                     SizeName(train_bytes.size()), SizeName(eval.size()), options.chunk_size));

  std::vector<int> vocabularies = {256};
  if (HaveSentencePiece()) {
    vocabularies.insert(vocabularies.end(), options.vocabularies.begin(), options.vocabularies.end());
  } else {
    result.notes.push_back("this build has no SentencePiece: byte-level rows only");
  }
  TransformerTraining training = options.training;
  if (!options.transformer_shapes.empty()) training.trainer = TrainerOrNote(training, &result);
  const bool transformers = !options.transformer_shapes.empty() && !training.trainer.empty();
  std::unique_ptr<ScratchDir> scratch;
  if (transformers) {
    scratch = std::make_unique<ScratchDir>(training.work_dir);
    training.work_dir = scratch->path();
    result.notes.push_back(TrainingNote(training, options.transformer_shapes) +
                           "; each training chunk tokenized on its own, as the held-out ones");
  }
  ProgressBar bar("tokens: transformers", transformers ? 2 * vocabularies.size() * options.transformer_shapes.size() : 0,
                  options.progress && transformers, false);
  for (int vocabulary : vocabularies) {
    std::unique_ptr<Tokenizer> tokenizer;
    std::vector<uint32_t> train;
    uint32_t symbols = 256;
    uint64_t tokenizer_bytes = 0;
    if (vocabulary == 256) {
      train = Widen(train_bytes);
    } else {
      LMZIP_ASSIGN_OR_RETURN(tokenizer, Tokenizer::TrainBpe(train_bytes, vocabulary));
      LMZIP_ASSIGN_OR_RETURN(train, tokenizer->Encode(train_bytes));
      symbols = tokenizer->vocabulary();
      tokenizer_bytes = tokenizer->serialized_bytes();
    }
    // Tokenize each chunk on its own; check that it decodes back.
    std::vector<std::vector<uint32_t>> chunks;
    std::vector<size_t> raw_chunks;  // chunk indices coded as raw bytes
    uint64_t tokens = 0;
    for (size_t pos = 0; pos < eval.size(); pos += options.chunk_size) {
      const auto chunk = eval.subspan(pos, options.chunk_size);
      if (!tokenizer) {
        chunks.push_back(Widen(chunk));
      } else {
        LMZIP_ASSIGN_OR_RETURN(std::vector<uint32_t> ids, tokenizer->Encode(chunk));
        auto back = tokenizer->Decode(ids);
        if (!back.ok() || !std::equal(back->begin(), back->end(), chunk.begin(), chunk.end())) {
          raw_chunks.push_back(chunks.size());
          ids.clear();
        }
        chunks.push_back(std::move(ids));
      }
      tokens += chunks.back().size();
    }
    if (!raw_chunks.empty()) {
      result.notes.push_back(fmt::format("{} tokens: {} of {} chunks do not round-trip and are coded raw",
                                         vocabulary, raw_chunks.size(), chunks.size()));
    }
    for (int order : options.ngram_orders) {
      NgramModel model(order, symbols);
      model.Train(train);
      uint64_t coded = NgramChunkedBytes(model, chunks);
      // A flag per chunk says tokens or raw bytes; raw chunks cost their size.
      if (tokenizer) coded += (chunks.size() + 7) / 8 + raw_chunks.size() * options.chunk_size;
      StudyPoint p = RatePoint("text", fmt::format("ngram-{}", order), vocabulary, eval.size(), coded,
                               model.parameters(), tokenizer_bytes);
      p.tokens_per_byte = static_cast<double>(tokens) / static_cast<double>(eval.size());
      result.points.push_back(p);
    }
    if (!transformers) continue;
    nn::TokenChunks train_chunks, valid;
    train_chunks.vocab = valid.vocab = symbols;
    for (size_t pos = 0; pos < train_bytes.size(); pos += options.chunk_size) {
      const auto chunk = train_bytes.subspan(pos, std::min(options.chunk_size, train_bytes.size() - pos));
      std::vector<uint32_t> ids;
      if (tokenizer) {
        LMZIP_ASSIGN_OR_RETURN(ids, tokenizer->Encode(chunk));
      } else {
        ids = Widen(chunk);
      }
      train_chunks.Add(ids, static_cast<uint32_t>(chunk.size()));
    }
    for (size_t c = 0; c < chunks.size(); ++c) {
      if (std::find(raw_chunks.begin(), raw_chunks.end(), c) == raw_chunks.end()) {
        valid.Add(chunks[c], static_cast<uint32_t>(std::min(options.chunk_size, eval.size() - c * options.chunk_size)));
      }
    }
    for (const TransformerShape& shape : options.transformer_shapes) {
      const std::string name = fmt::format("tokens-{}-{}", vocabulary, shape.Name());
      LMZIP_ASSIGN_OR_RETURN(TrainedTransformer trained, TrainTransformer(training, shape, name, train_chunks, valid));
      bar.Add(1);
      LMZIP_ASSIGN_OR_RETURN(std::vector<uint64_t> sizes,
                             CodedChunkBytes(trained.model, chunks, ResolveThreads(options.threads)));
      bar.Add(1);
      uint64_t coded = 0;
      for (size_t c = 0; c < chunks.size(); ++c) {
        const bool raw = std::find(raw_chunks.begin(), raw_chunks.end(), c) != raw_chunks.end();
        if (!tokenizer) {
          coded += sizes[c];
        } else if (raw) {
          coded += std::min(options.chunk_size, eval.size() - c * options.chunk_size);
        } else {
          coded += sizes[c] + VarintBytes(chunks[c].size());
        }
      }
      if (tokenizer) coded += (chunks.size() + 7) / 8;
      StudyPoint p = RatePoint("text", shape.Name(), vocabulary, eval.size(), coded,
                               trained.model->parameter_count(), tokenizer_bytes);
      p.tokens_per_byte = static_cast<double>(tokens) / static_cast<double>(eval.size());
      result.points.push_back(p);
    }
  }
  bar.Finish();
  return result;
}

std::string FormatStudy(const StudyResult& result) {
  std::string out = fmt::format("{:<14} {:<34} {:>12} {:>12} {:>10} {:>9} {:>10}\n", "dataset", "model",
                                result.x_label.substr(0, 12), "parameters", "side B", "raw %",
                                "adjusted %");
  for (const StudyPoint& p : result.points) {
    out += fmt::format("{:<14} {:<34} {:>12} {:>12} {:>10} {:>9.1f} {:>10.1f}\n", p.dataset,
                       p.model.size() > 34 ? "..." + p.model.substr(p.model.size() - 31) : p.model,
                       p.x, p.parameters, p.side_bytes, 100 * p.raw_rate, 100 * p.adjusted_rate);
  }
  for (const std::string& note : result.notes) out += "note: " + note + "\n";
  return out;
}

}  // namespace lmzip::study
