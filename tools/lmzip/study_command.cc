// `lmzip bench context|scaling|tokens`: the paper's findings as reruns, each writing
// a CSV and PNG plots; `lmzip report`: all of it, written up as Markdown and HTML.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "bench/bench_dataset.h"
#include "cli_util.h"
#include "data/dataset.h"
#include "data/files.h"
#include "model/transformer_model.h"
#include "study/report.h"
#include "study/studies.h"
#include "util/byte_size.h"
#include "util/progress.h"

namespace {

namespace st = lmzip::study;

void Error(const std::string& what, const std::string& msg) { fmt::print(stderr, "lmzip {}: {}\n", what, msg); }

// A size on the command line (util/byte_size.h); false when it is not one.
bool ParseSize(const std::string& text, uint64_t* out) {
  const lmzip::Result<uint64_t> n = lmzip::ParseByteSize(text);
  if (n.ok()) *out = *n;
  return n.ok();
}

lmzip::BenchDataset ToBench(lmzip::Dataset data) { return lmzip::ToBenchDataset(std::move(data), ""); }

// The named sources, or the corpora when none is named, each capped at `cap` bytes.
lmzip::Result<std::vector<lmzip::BenchDataset>> LoadModalities(const std::string& corpora,
                                                               lmzip::DatasetSources sources, uint64_t cap,
                                                               size_t chunk) {
  if (sources.empty()) {
    LMZIP_ASSIGN_OR_RETURN(sources, lmzip::CorporaSources(corpora));
  }
  return lmzip::LoadBenchDatasets(sources, {cap, cap, cap}, chunk, "");
}

int Finish(const std::string& what, const lmzip::Result<st::StudyResult>& result, const std::string& out_dir,
           bool plot) {
  if (!result.ok()) {
    Error(what, result.status().ToString());
    return 1;
  }
  fmt::print("{}", st::FormatStudy(*result));
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  const std::string csv = out_dir + "/" + result->name + ".csv";
  std::ofstream(csv, std::ios::binary) << st::StudyCsv(*result);
  fmt::print(stderr, "lmzip {}: wrote {}\n", what, csv);
  if (plot) {
    std::vector<std::string> written;
    const lmzip::Status s = st::PlotStudy(*result, out_dir, &written);
    for (const std::string& p : written) fmt::print(stderr, "lmzip {}: wrote {}\n", what, p);
    if (!s.ok()) {
      Error(what, s.ToString());
      return 1;
    }
  }
  return 0;
}

}  // namespace

int StudyMain(int argc, char** argv) {
  const std::string study = argv[0];
  const std::string what = "bench " + study;
  CLI::App app{"", "lmzip bench " + study};
  std::string corpora = "corpora", text, images, audio, out_dir = "bench-out", codecs, list;
  std::string max_bytes = "256k";
  int threads = 0;
  bool no_plot = false, quiet = false;
  app.add_option("--corpora", corpora, "Folder of the default corpora")->capture_default_str();
  app.add_option("--text", text, "A text file (e.g. enwik9)");
  app.add_option("--out", out_dir, "Folder for the CSV and the PNG plots")->capture_default_str();
  app.add_option("-T,--threads", threads, "Worker threads (0: one per core)")->capture_default_str();
  app.add_flag("--no-plot", no_plot, "Skip the PNG plots");
  app.add_flag("-q,--quiet", quiet, "No progress bar");
  st::ContextOptions context;
  st::ScalingOptions scaling;
  st::TokensOptions tokens;
  std::string sizes, train_bytes, eval_bytes, orders;
  const std::string models_dir = lmzip::DefaultModelsDir();  // $LMZIP_MODELS_DIR or the source tree's models/
  if (study == "context") {
    app.description(
        "Rate vs chunk size (the context a model sees) per modality, for gzip, LZMA2, the\n"
        "context-mixing model and the transformers in models/ (finding 2 of the paper).");
    app.add_option("--images", images, "A folder of PNG/JPEG images");
    app.add_option("--audio", audio, "A folder of WAV/FLAC audio");
    app.add_option("--max-bytes", max_bytes, "Bytes per modality (k, M: powers of 1000; Ki, Mi: of 1024)")->capture_default_str();
    app.add_option("--codecs", codecs, "Comma-separated codecs (default: gzip,lzma2,lmzip-cm-1,lmzip-cm-6 + transformers)");
    app.add_option("--chunk-sizes", list, "Comma-separated chunk sizes (default 128..8192)");
  } else if (study == "scaling") {
    app.description(
        "Adjusted rate vs model size on text datasets of three sizes 10x apart, with the best\n"
        "model for each (finding 1): trained byte n-grams of order 0..5, byte-level transformers\n"
        "of several sizes trained here (with lmzip-train), the context-mixing models and the\n"
        "transformers in models/.");
    app.add_option("--sizes", sizes, "Comma-separated dataset sizes (default 100k,1M,10M)");
    app.add_option("--train-bytes", train_bytes, "n-gram training text, from the end (default 2M)");
    app.add_option("--orders", orders, "n-gram orders (default 0,1,2,3,4,5)");
    app.add_option("--codecs", codecs, "Other models (default lmzip-cm-1,lmzip-cm-6 + transformers)");
  } else {
    app.description(
        "Bytes vs SentencePiece BPE vocabularies (1K..20K) for a small and a larger trained n-gram\n"
        "and a small and a larger transformer (trained with lmzip-train), rates on the original\n"
        "bytes, the tokenizer's size in the adjusted rate (finding 3, the paper's Table 2).");
    app.add_option("--vocab", list, "Comma-separated vocabulary sizes (default 1000,2000,5000,10000,20000)");
    app.add_option("--orders", orders, "n-gram orders over tokens: small, larger (default 1,2)");
    app.add_option("--train-bytes", train_bytes, "Training text, from the end (default 2M)");
    app.add_option("--eval-bytes", eval_bytes, "Held-out text, from the start (default 256k)");
  }
  // Transformer rows (scaling and tokens): trained by lmzip-train, when it is built.
  std::string tf_shapes;
  bool no_transformers = false;
  st::TransformerTraining training;
  if (study != "context") {
    app.add_option("--tf-shapes", tf_shapes,
                   study == "scaling" ? "Transformer shapes WIDTHxLAYERS[xHEADS] (default 16x2,32x2,64x2)"
                                      : "Small and larger transformer, WIDTHxLAYERS[xHEADS] (default 32x2,64x2)");
    app.add_option("--tf-steps", training.steps, "Training steps per transformer")->capture_default_str()
        ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
    app.add_option("--tf-batch", training.batch, "Sequences per step")->capture_default_str()->check(CLI::Range(1, 4096));
    app.add_option("--tf-seq-len", training.seq_len, "Symbols per sequence = the models' context")
        ->capture_default_str()->check(CLI::Range(2, 1 << 16));
    app.add_option("--tf-lr", training.learning_rate, "Peak learning rate")->capture_default_str();
    app.add_option("--tf-threads", training.train_threads, "libtorch threads per training")->capture_default_str()
        ->check(CLI::Range(1, 1024));
    app.add_option("--tf-dir", training.work_dir, "Keep the token files, GGUF models and training logs here");
    app.add_flag("--no-transformers", no_transformers, "Only the n-gram (and codec) rows");
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  const bool progress = !quiet && lmzip::ProgressBar::StderrIsTerminal();
  std::vector<st::TransformerShape> shapes;
  for (const std::string& item : lmzip::cli::SplitList(tf_shapes)) {
    auto shape = st::ParseShape(item);
    if (!shape.ok()) {
      Error(what, shape.status().ToString());
      return 2;
    }
    shapes.push_back(*shape);
  }
  auto apply_transformers = [&](std::vector<st::TransformerShape>* target, st::TransformerTraining* t) {
    if (!shapes.empty()) *target = shapes;
    if (no_transformers) target->clear();
    *t = training;
  };
  auto size_list = [&](const std::string& s, std::vector<uint64_t>* out) {
    out->clear();
    for (const std::string& item : lmzip::cli::SplitList(s)) {
      uint64_t v = 0;
      if (!ParseSize(item, &v) || v == 0) return false;
      out->push_back(v);
    }
    return !out->empty();
  };
  auto one_size = [&](const std::string& s, uint64_t* out) { return s.empty() || ParseSize(s, out); };

  if (study == "context") {
    uint64_t cap = 0;
    if (!ParseSize(max_bytes, &cap)) {
      Error(what, "not a size: " + max_bytes);
      return 2;
    }
    if (!list.empty()) {
      std::vector<uint64_t> v;
      if (!size_list(list, &v)) {
        Error(what, "bad --chunk-sizes");
        return 2;
      }
      context.chunk_sizes.assign(v.begin(), v.end());
    }
    if (!codecs.empty()) {
      context.codecs = lmzip::cli::SplitList(codecs);
    } else {
      for (const std::string& t : st::TransformerCodecs(models_dir)) context.codecs.push_back(t);
    }
    const size_t largest = *std::max_element(context.chunk_sizes.begin(), context.chunk_sizes.end());
    auto data = LoadModalities(corpora, {text, images, audio}, cap, largest);
    if (!data.ok()) {
      Error(what, data.status().ToString());
      return 1;
    }
    context.threads = threads;
    context.progress = progress;
    return Finish(what, st::RunContextStudy(*data, context), out_dir, !no_plot);
  }

  if (text.empty()) text = corpora + "/text/english.txt";
  auto bytes = lmzip::ReadFilePrefix(text, 0);
  if (!bytes.ok()) {
    Error(what, bytes.status().ToString());
    return 1;
  }
  std::vector<int> order_list;
  for (const std::string& o : lmzip::cli::SplitList(orders)) order_list.push_back(std::atoi(o.c_str()));
  if (study == "scaling") {
    if (!sizes.empty() && !size_list(sizes, &scaling.dataset_sizes)) {
      Error(what, "bad --sizes");
      return 2;
    }
    if (!one_size(train_bytes, &scaling.train_bytes)) {
      Error(what, "bad --train-bytes");
      return 2;
    }
    if (!order_list.empty()) scaling.ngram_orders = order_list;
    if (!codecs.empty()) scaling.codecs = lmzip::cli::SplitList(codecs);
    for (const std::string& t : st::TransformerCodecs(models_dir)) scaling.codecs.push_back(t);
    scaling.threads = threads;
    scaling.progress = progress;
    apply_transformers(&scaling.transformer_shapes, &scaling.training);
    return Finish(what, st::RunScalingStudy(*bytes, scaling), out_dir, !no_plot);
  }
  if (!list.empty()) {
    tokens.vocabularies.clear();
    for (const std::string& v : lmzip::cli::SplitList(list)) tokens.vocabularies.push_back(std::atoi(v.c_str()));
  }
  if (!order_list.empty()) tokens.ngram_orders = order_list;
  if (!one_size(train_bytes, &tokens.train_bytes) || !one_size(eval_bytes, &tokens.eval_bytes)) {
    Error(what, "bad --train-bytes or --eval-bytes");
    return 2;
  }
  tokens.threads = threads;
  tokens.progress = progress;
  apply_transformers(&tokens.transformer_shapes, &tokens.training);
  return Finish(what, st::RunTokensStudy(*bytes, tokens), out_dir, !no_plot);
}

int ReportMain(int argc, char** argv) {
  CLI::App app{
      "Runs the default bench and the context, scaling and tokens studies at a size that fits a\n"
      "laptop (minutes on 2 cores), and writes report.md (plots beside it) and a self-contained\n"
      "report.html with the paper's figures beside lmzip's.",
      "lmzip report"};
  std::string corpora = "corpora", out_dir = "report";
  int threads = 0;
  bool quiet = false, small = false;
  app.add_option("--corpora", corpora, "Folder of the corpora (scripts/setup-corpora.sh)")->capture_default_str();
  app.add_option("-o,--out", out_dir, "Folder to write")->capture_default_str();
  app.add_option("-T,--threads", threads, "Worker threads (0: one per core)")->capture_default_str();
  app.add_flag("--small", small, "A tenth of the default sizes, for a quick look");
  bool no_transformers = false;
  app.add_flag("--no-transformers", no_transformers, "No transformer training (scaling and tokens rows)");
  app.add_flag("-q,--quiet", quiet, "No progress bars");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  const uint64_t scale = small ? 10 : 1;
  st::ReportOptions o;
  o.out_dir = out_dir;
  o.threads = threads;
  o.progress = !quiet && lmzip::ProgressBar::StderrIsTerminal();
  auto bench = LoadModalities(corpora, {}, (256 << 10) / scale, 2048);
  auto context = LoadModalities(corpora, {}, (64 << 10) / scale / 8192 * 8192 + 8192, 8192);
  auto text = lmzip::ReadFilePrefix(corpora + "/text/english.txt", 0);
  if (!bench.ok() || !context.ok() || !text.ok()) {
    Error("report", !bench.ok() ? bench.status().ToString()
                                : !context.ok() ? context.status().ToString() : text.status().ToString());
    return 1;
  }
  o.bench_datasets = std::move(*bench);
  o.bench_datasets.push_back(ToBench(lmzip::MakeRandomBytes((64 << 10) / scale, 42)));
  o.context_datasets = std::move(*context);
  o.text = std::move(*text);
  o.scaling.dataset_sizes = {20'000 / scale, 200'000 / scale, 2'000'000 / scale};
  o.scaling.train_bytes = 2'000'000 / scale;
  o.scaling.codecs = {"lmzip-cm-1"};
  for (const std::string& t : st::TransformerCodecs("models")) {
    o.scaling.codecs.push_back(t);
    o.context.codecs.push_back(t);
  }
  o.tokens.train_bytes = 1'000'000 / scale;
  o.tokens.eval_bytes = (128 << 10) / scale;
  if (small) {
    o.tokens.vocabularies = {1000, 2000, 5000};
    o.scaling.training.steps = o.tokens.training.steps = 60;
  }
  if (no_transformers) {
    o.scaling.transformer_shapes.clear();
    o.tokens.transformer_shapes.clear();
  }
  const std::string image = corpora + "/images/skimage/camera.png";
  if (std::filesystem::exists(image)) o.image_path = image;
  auto written = st::RunReport(o);
  if (!written.ok()) {
    Error("report", written.status().ToString());
    return 1;
  }
  for (const std::string& f : *written) fmt::print(stderr, "lmzip report: wrote {}\n", f);
  return 0;
}
