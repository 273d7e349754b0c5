// `lmzip bench`: the paper's Table 1 on text, images, audio and random bytes.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cctype>
#include <filesystem>
#include <fstream>

#include "codec/registry.h"
#include "cli_util.h"
#include "commands.h"
#include "bench/bench_dataset.h"
#include "data/dataset.h"
#include "lmzip/bench.h"
#include "util/byte_size.h"
#include "util/progress.h"

namespace {

// The default run, on the corpora that scripts/setup-corpora.sh sets up.
constexpr const char* kDefaultCorpora = "corpora";
constexpr uint64_t kDefaultTextBytes = 1 << 20;
constexpr uint64_t kDefaultImageBytes = 1 << 20;
constexpr uint64_t kDefaultAudioBytes = 1 << 20;
constexpr uint64_t kDefaultRandomBytes = 256 << 10;

void Error(const std::string& msg) { fmt::print(stderr, "lmzip bench: {}\n", msg); }

lmzip::BenchDataset ToBench(lmzip::Dataset data) {
  return lmzip::ToBenchDataset(std::move(data), "lmzip bench: ");
}

lmzip::Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) return lmzip::Status::IOError(path + ": cannot write");
  return lmzip::Status::Ok();
}

}  // namespace

int BenchMain(int argc, char** argv) {
  CLI::App app{
      "Measures compression rates and speeds of lmzip's models and the classical codecs on\n"
      "text, images, audio and random bytes, with the protocol of \"Language Modeling Is\n"
      "Compression\" (chunks compressed on their own, and whole streams). With no dataset\n"
      "option it runs on the sample corpora set up by scripts/setup-corpora.sh.",
      "lmzip bench"};
  std::string text_path, images_path, audio_path, random_size, max_bytes_text;
  std::string corpora = kDefaultCorpora;
  std::string codecs_list;
  std::string out_dir = "bench-out";
  size_t chunk_size = 2048;
  uint64_t seed = 42;
  int threads = 0;
  bool no_whole = false, no_chunked = false, plot = false, paper = false, quiet = false;
  bool list_codecs = false;
  app.add_option("--text", text_path, "A text file (e.g. enwik9): contiguous chunks");
  app.add_option("--images", images_path,
                 "A folder of PNG/JPEG images (or one image): gray 32x64 patches");
  app.add_option("--audio", audio_path,
                 "A folder of WAV/FLAC audio (LibriSpeech layout works; or one file): 8-bit samples");
  app.add_option("--random", random_size, "Bytes of seeded random data, e.g. 256Ki (k, M, G: powers of 1000; Ki, Mi, Gi: of 1024)");
  app.add_option("--seed", seed, "Seed of the random data")->capture_default_str();
  app.add_option("--max-bytes", max_bytes_text,
                 "Cap per dataset in bytes (e.g. 100M, 1Gi); default: 1Mi for the corpora, "
                 "none for named datasets");
  app.add_option("--corpora", corpora, "Folder of the default corpora")->capture_default_str();
  app.add_option("--codecs", codecs_list,
                 "Comma-separated codecs; default: the baselines and lmzip-cm-1,6,9, lmzip-order0-1");
  app.add_option("--chunk-size", chunk_size, "Chunk size in bytes, e.g. 2Ki")
      ->capture_default_str()
      ->transform(lmzip::cli::ByteSize())
      ->check(CLI::Range(size_t{1}, size_t{1} << 30));
  app.add_flag("--no-whole", no_whole, "Skip the whole-stream (unchunked) runs");
  app.add_flag("--no-chunked", no_chunked, "Skip the chunked runs");
  app.add_option("-T,--threads", threads, "Worker threads (0: one per core)")
      ->capture_default_str()
      ->check(CLI::Range(0, 4096));
  app.add_option("--out", out_dir, "Folder for results.csv, results.json and plots")
      ->capture_default_str();
  app.add_flag("--plot", plot, "Draw PNG bar charts with gnuplot into --out");
  app.add_flag("--paper", paper, "Print the paper's Table 1 figures beside ours");
  app.add_flag("-q,--quiet", quiet, "No progress bar");
  app.add_flag("--list-codecs", list_codecs, "List the codec names and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  if (list_codecs) {
    for (const std::string& name : lmzip::CodecNames()) fmt::print("{}\n", name);
    return 0;
  }

  const bool named = !text_path.empty() || !images_path.empty() || !audio_path.empty() ||
                     !random_size.empty();
  const bool has_cap_override = !max_bytes_text.empty();
  uint64_t cap_override = 0;
  uint64_t random_bytes = 0;
  for (const auto& [text, value] : {std::pair{&max_bytes_text, &cap_override},
                                    std::pair{&random_size, &random_bytes}}) {
    if (text->empty()) continue;
    auto n = lmzip::ParseByteSize(*text);
    if (!n.ok()) {
      Error(n.status().message());
      return 2;
    }
    *value = *n;
  }
  auto cap_for = [&](uint64_t corpora_default) {
    if (has_cap_override) return cap_override;
    return named ? uint64_t{0} : corpora_default;
  };
  lmzip::DatasetSources sources{text_path, images_path, audio_path};
  if (!named) {
    auto corpora_sources = lmzip::CorporaSources(corpora);
    if (!corpora_sources.ok()) {
      Error(corpora_sources.status().message() + ", or --random");
      return 2;
    }
    sources = *corpora_sources;
    random_bytes = kDefaultRandomBytes;
  }
  if (has_cap_override && random_bytes > cap_override) random_bytes = cap_override;

  auto loaded = lmzip::LoadBenchDatasets(
      sources, {cap_for(kDefaultTextBytes), cap_for(kDefaultImageBytes), cap_for(kDefaultAudioBytes)}, chunk_size,
      "lmzip bench: ");
  if (!loaded.ok()) {
    Error(loaded.status().ToString());
    return 1;
  }
  std::vector<lmzip::BenchDataset> datasets = std::move(loaded).value();
  if (random_bytes > 0) datasets.push_back(ToBench(lmzip::MakeRandomBytes(random_bytes, seed)));

  lmzip::BenchOptions options;
  options.codecs = codecs_list.empty() ? lmzip::DefaultBenchCodecNames() : lmzip::cli::SplitList(codecs_list);
  options.chunk_size = chunk_size;
  options.whole = !no_whole;
  options.chunked = !no_chunked;
  options.threads = threads;
  options.progress = !quiet && lmzip::ProgressBar::StderrIsTerminal();
  auto report = lmzip::RunBench(datasets, options);
  if (!report.ok()) {
    Error(report.status().ToString());
    return 1;
  }
  fmt::print("{}", lmzip::FormatTable(*report, paper));
  std::fflush(stdout);  // the table before the file notes on stderr

  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) {
    Error(out_dir + ": " + ec.message());
    return 1;
  }
  for (const auto& [name, text] : {std::pair{std::string("results.csv"), lmzip::FormatCsv(*report)},
                                   std::pair{std::string("results.json"), lmzip::FormatJson(*report)}}) {
    const lmzip::Status s = WriteFile(out_dir + "/" + name, text);
    if (!s.ok()) {
      Error(s.ToString());
      return 1;
    }
    fmt::print(stderr, "lmzip bench: wrote {}/{}\n", out_dir, name);
  }
  if (plot) {
    std::vector<std::string> written;
    const lmzip::Status s = lmzip::WritePlots(*report, out_dir, &written);
    for (const std::string& p : written) fmt::print(stderr, "lmzip bench: wrote {}\n", p);
    if (!s.ok()) {
      Error(s.ToString());
      return 1;
    }
  }
  return 0;
}
