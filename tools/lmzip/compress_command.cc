// The gzip/xz/zstd-like face of lmzip: compress, decompress, test, info.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <thread>

#include <fmt/format.h>

#include "cli_util.h"
#include "commands.h"
#include "container/format.h"
#include "lmzip/container.h"
#include "model/cm.h"
#include "util/file_io.h"
#include "util/progress.h"

namespace lmzip::cli {

namespace {

constexpr const char* kSuffix = ".lmz";

struct Options {
  bool decompress = false;
  bool to_stdout = false;
  bool keep = false;
  bool force = false;
  bool test = false;
  bool verbose = false;
  bool quiet = false;
  bool no_progress = false;
  int level = 6;
  int threads = 0;
  std::string output;
  std::string model = "cm";
  uint32_t chunk_size = 0;
  std::vector<std::string> files;
};

void Error(const std::string& msg) { fmt::print(stderr, "lmzip: {}\n", msg); }

bool HasSuffix(const std::string& s, const std::string& suffix) {
  return s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Rewrites gzip-style short flags that CLI11 cannot parse: "-9" -> "--level=9",
// "-9kv" -> "--level=9 -kv", "-T4" stays as is.
std::vector<std::string> NormalizeArgs(int argc, char** argv) {
  std::vector<std::string> out;
  bool only_files = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (only_files || a.size() < 2 || a[0] != '-' || a[1] == '-') {
      if (a == "--") only_files = true;
      out.push_back(a);
      continue;
    }
    std::string flags;
    std::string level;
    for (size_t k = 1; k < a.size(); ++k) {
      const char c = a[k];
      if (c == 'T' || c == 'o') {  // options whose value may follow directly
        flags += a.substr(k);
        break;
      }
      if (c >= '0' && c <= '9') {
        level = std::string(1, c);
      } else {
        flags += c;
      }
    }
    if (!level.empty()) out.push_back("--level=" + level);
    if (!flags.empty()) out.push_back("-" + flags);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

constexpr uint64_t kDefaultMemoryLimit = uint64_t{2} << 30;

std::string LevelHelp() {
  std::string s = "Levels (-1 fastest .. -9 strongest), memory per thread (without -T, as many threads\n"
                  "as fit in 2 GiB together):\n";
  for (int level = 1; level <= 9; ++level) {
    const double mb = static_cast<double>(ContextMixingMemory(level)) / (1 << 20);
    s += fmt::format("  -{}  model {:6.0f} MiB, chunk {:3d} MiB\n", level, mb,
                     DefaultChunkSize(level) >> 20);
  }
  return s;
}

// Copies permissions and modification time from the input to the output.
void CopyMetadata(const std::string& from, const std::string& to) {
  struct stat st{};
  if (stat(from.c_str(), &st) != 0) return;
  (void)chmod(to.c_str(), st.st_mode & 07777);
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  (void)utimensat(AT_FDCWD, to.c_str(), times, 0);
}

// Reads the header and index of the .lmz file at `path` (`size` bytes).
Result<ContainerInfo> ReadInfoOfFile(const std::string& path, uint64_t size) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return Status::IOError(path + ": " + ErrnoText(errno));
  auto read_at = [f, &path](uint64_t offset, size_t n, uint8_t* dst) -> Status {
    if (fseeko(f, static_cast<off_t>(offset), SEEK_SET) != 0 || std::fread(dst, 1, n, f) != n) {
      return Status::Corruption(path + ": file is truncated");
    }
    return Status::Ok();
  };
  Result<ContainerInfo> info = ReadContainerInfo(read_at, size);
  std::fclose(f);
  return info;
}

enum class Mode { kCompress, kDecompress, kTest };

// Processes one input ("-" = stdin). Returns true on success.
bool ProcessOne(const std::string& input, Mode mode, const Options& opt) {
  std::string output;
  if (mode == Mode::kTest) {
    output = "";
  } else if (opt.to_stdout || input == "-") {
    output = opt.output.empty() ? "-" : opt.output;
  } else if (!opt.output.empty()) {
    output = opt.output;
  } else if (mode == Mode::kCompress) {
    if (HasSuffix(input, kSuffix)) {
      Error(input + ": already has " + kSuffix + " suffix -- unchanged");
      return false;
    }
    output = input + kSuffix;
  } else {
    if (!HasSuffix(input, kSuffix)) {
      Error(input + ": unknown suffix (expected " + kSuffix + ") -- unchanged");
      return false;
    }
    output = input.substr(0, input.size() - 4);
  }
  if (mode == Mode::kCompress && output == "-" && isatty(STDOUT_FILENO) && !opt.force) {
    Error("compressed data not written to a terminal (use -f to force)");
    return false;
  }

  auto source = FileSource::Open(input);
  if (!source.ok()) {
    Error(source.status().message());
    return false;
  }
  FileSource& in = **source;
  if (input != "-" && !opt.force && mode != Mode::kTest && output != "-") {
    struct stat st{};
    if (stat(input.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
      Error(input + ": not a regular file -- unchanged (use -f to force)");
      return false;
    }
  }

  std::unique_ptr<ByteSink> sink;
  FileSink* file_sink = nullptr;
  if (mode == Mode::kTest) {
    sink = std::make_unique<NullSink>();
  } else {
    auto created = FileSink::Create(output, opt.force);
    if (!created.ok()) {
      Error(created.status().message());
      return false;
    }
    file_sink = created->get();
    sink = std::move(*created);
  }

  const int threads =
      opt.threads > 0 ? opt.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // With the thread count left to lmzip, all workers together stay within 2 GiB
  // (at -9, whose model takes up to 1.4 GiB, that is one worker); -T N is obeyed.
  const uint64_t memory_limit = opt.threads > 0 ? 0 : kDefaultMemoryLimit;
  const bool show_progress = !opt.quiet && !opt.no_progress && ProgressBar::StderrIsTerminal();
  const std::string label = input == "-" ? "<stdin>" : input;
  const auto start = std::chrono::steady_clock::now();
  Result<CompressStats> stats = Status::IOError("not run");
  if (mode == Mode::kCompress) {
    ProgressBar bar(label, in.size().value_or(0), show_progress);
    CompressOptions co;
    co.model.name = opt.model;
    if (opt.model.starts_with("cm+") && HasSuffix(opt.model, ".gguf")) {
      // the context-mixing model mixed with a transformer
      co.model.name = "cm+tf";
      co.model.weights_path = opt.model.substr(3);
    } else if (HasSuffix(opt.model, ".gguf")) {  // a transformer's weights file
      co.model.name = "tf";
      co.model.weights_path = opt.model;
    } else if (HasSuffix(opt.model, ".lmzw")) {  // a primed context-mixing state
      co.model.name = "cm";
      co.model.weights_path = opt.model;
    }
    co.model.level = opt.level;
    co.chunk_size = opt.chunk_size;
    co.threads = threads;
    co.memory_limit = memory_limit;
    co.size_hint = in.size();
    co.progress = &bar;
    stats = Compress(in, *sink, co);
    bar.Finish();
  } else {
    // The index at the end of a regular file gives the size to expect.
    uint64_t expected = 0;
    if (show_progress && in.size()) {
      auto info = ReadInfoOfFile(input, *in.size());
      if (info.ok()) expected = info->original_size;
    }
    ProgressBar bar(label, expected, show_progress);
    DecompressOptions dopt;
    dopt.threads = threads;
    dopt.memory_limit = memory_limit;
    if (HasSuffix(opt.model, ".gguf") || HasSuffix(opt.model, ".lmzw")) {
      dopt.weights_path = opt.model.starts_with("cm+") ? opt.model.substr(3) : opt.model;
    }
    dopt.progress = &bar;
    stats = Decompress(in, *sink, dopt);
    bar.Finish();
  }
  Status status = stats.ok() ? Status::Ok() : stats.status();
  if (status.ok() && file_sink != nullptr) status = file_sink->Commit();
  if (!status.ok()) {
    // The FileSink's destructor removes its temporary file: no partial output.
    Error(label + ": " + status.message());
    return false;
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (opt.verbose || mode == Mode::kTest) {
    const CompressStats& s = *stats;
    const uint64_t raw = mode == Mode::kCompress ? s.input_bytes : s.output_bytes;
    const uint64_t packed = mode == Mode::kCompress ? s.output_bytes : s.input_bytes;
    const double ratio = raw ? 100.0 * static_cast<double>(packed) / static_cast<double>(raw) : 0.0;
    if (mode == Mode::kTest && !opt.verbose) {
      if (!opt.quiet) fmt::print(stderr, "{}: OK\n", label);
    } else {
      fmt::print(stderr, "{}: {} -> {} bytes ({:.2f}%, {:.3f} bpb), {} chunk(s), {:.2f} s, {}/s{}\n",
                 label, mode == Mode::kCompress ? raw : packed, mode == Mode::kCompress ? packed : raw,
                 ratio, raw ? 8.0 * static_cast<double>(packed) / static_cast<double>(raw) : 0.0,
                 s.chunks, secs, HumanBytes(static_cast<double>(raw) / std::max(secs, 1e-9)),
                 mode == Mode::kTest ? ", OK" : "");
    }
  }
  if (file_sink != nullptr && output != "-") {
    if (input != "-") CopyMetadata(input, output);
    if (!opt.keep && !opt.to_stdout && input != "-") {
      if (unlink(input.c_str()) != 0) {
        Error(input + ": could not remove input: " + ErrnoText(errno));
        return false;
      }
    }
  }
  return true;
}

}  // namespace

int CompressMain(int argc, char** argv) {
  Options opt;
  CLI::App app{"lmzip: lossless compression by prediction (context mixing + arithmetic coding).\n"
               "With no FILE, or when FILE is -, reads standard input and writes standard output.",
               "lmzip"};
  app.footer(LevelHelp() +
             "\nSubcommands (each has --help):\n"
             "  lmzip info FILE.lmz...         a file's model, sizes and chunks\n"
             "  lmzip bench [options]          the paper's Table 1: datasets x compressors\n"
             "  lmzip bench context|scaling|tokens   the paper's studies, with plots\n"
             "  lmzip report -o DIR            the bench and studies as a Markdown/HTML report\n"
             "  lmzip generate [options]       sample text, image rows or audio from any model\n"
             "  lmzip train [options]          train a byte-level transformer (GGUF)\n"
             "  lmzip prime -l N -o F.lmzw CORPUS...   a primed cm state for -m F.lmzw\n");
  app.add_flag("-d,--decompress", opt.decompress, "Decompress");
  bool compress_flag = false;
  app.add_flag("-z,--compress", compress_flag, "Compress (the default)");
  app.add_flag("-c,--stdout", opt.to_stdout, "Write to standard output; keep input files");
  app.add_flag("-k,--keep", opt.keep, "Keep (do not delete) input files");
  app.add_flag("-f,--force", opt.force, "Overwrite existing outputs; write to a terminal");
  app.add_flag("-t,--test", opt.test, "Test the integrity of compressed files");
  app.add_flag("-v,--verbose", opt.verbose, "Print sizes, ratio and speed");
  app.add_flag("-q,--quiet", opt.quiet, "Print no progress and no warnings");
  app.add_flag("--no-progress", opt.no_progress, "Do not draw the progress bar");
  app.add_option("--level", opt.level, "Level 1..9 (same as -1..-9)")->check(CLI::Range(1, 9));
  app.add_option("-T,--threads", opt.threads,
                 "Worker threads (0: all cores, as many as fit in 2 GiB); output is the same for any")
      ->check(CLI::Range(0, 1024));
  app.add_option("-o,--output", opt.output, "Write to this file (one input only)");
  app.add_option("-m,--model", opt.model, "Model family: cm (default), order0; or FILE.gguf: a transformer, cm+FILE.gguf: cm mixed with a transformer, FILE.lmzw: a primed cm state (compressing and decompressing)");
  app.add_option("--chunk-size", opt.chunk_size, "Bytes per independently coded chunk, e.g. 1Mi (default by level)")
      ->transform(lmzip::cli::ByteSize())
      ->check(CLI::Range(1u, kMaxChunkSize));
  app.add_option("files", opt.files, "Files to process");
  app.set_version_flag("-V,--version", std::string("lmzip ") + LMZIP_VERSION);

  std::vector<std::string> args = NormalizeArgs(argc, argv);
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (opt.files.empty()) opt.files.push_back("-");
  if (!opt.output.empty() && opt.files.size() > 1) {
    Error("-o takes a single input file");
    return 1;
  }
  const Mode mode = opt.test ? Mode::kTest : opt.decompress ? Mode::kDecompress : Mode::kCompress;
  bool all_ok = true;
  for (const std::string& f : opt.files) all_ok = ProcessOne(f, mode, opt) && all_ok;
  return all_ok ? 0 : 1;
}

int InfoMain(int argc, char** argv) {
  std::vector<std::string> files;
  bool chunks = false;
  CLI::App app{"Shows the model, sizes and chunk table of .lmz files.", "lmzip info"};
  app.add_flag("--chunks", chunks, "List every chunk");
  app.add_option("files", files, "Files (.lmz)")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  bool all_ok = true;
  for (const std::string& path : files) {
    auto source = FileSource::Open(path);
    if (!source.ok()) {
      Error(source.status().message());
      all_ok = false;
      continue;
    }
    if (!(*source)->size()) {
      Error(path + ": not a regular file");
      all_ok = false;
      continue;
    }
    Result<ContainerInfo> info = ReadInfoOfFile(path, *(*source)->size());
    if (!info.ok()) {
      Error(info.status().message().rfind(path, 0) == 0 ? info.status().message()
                                                         : path + ": " + info.status().message());
      all_ok = false;
      continue;
    }
    const ContainerInfo& i = *info;
    const double ratio = i.original_size ? 100.0 * static_cast<double>(i.compressed_size) /
                                               static_cast<double>(i.original_size)
                                         : 0.0;
    fmt::print("{}\n  format version  {}\n  model           {} level {} (model version {}){}\n"
               "  original size   {} bytes\n  compressed size {} bytes ({:.2f}%, {:.3f} bpb)\n"
               "  chunk size      {} bytes, {} chunk(s)\n  content XXH64   {:016x}\n",
               path, i.format_version, i.model_name, i.model_level, i.model_version,
               i.weights_hash ? fmt::format(", weights {:016x}", i.weights_hash) : "",
               i.original_size, i.compressed_size, ratio, ratio * 0.08, i.chunk_size,
               i.chunk_raw_sizes.size(), i.content_hash);
    if (chunks) {
      for (size_t k = 0; k < i.chunk_raw_sizes.size(); ++k) {
        fmt::print("  chunk {:6}  {:10} -> {:10} {}\n", k, i.chunk_raw_sizes[k], i.chunk_coded_sizes[k],
                   i.chunk_methods[k] == format::kMethodStored       ? "stored"
                   : i.chunk_methods[k] == format::kMethodModelWords ? "model, word transform"
                                                                     : "model");
      }
    }
  }
  return all_ok ? 0 : 1;
}

}  // namespace lmzip::cli
