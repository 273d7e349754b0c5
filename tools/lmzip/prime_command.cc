// lmzip prime: trains the context-mixing model on a corpus and writes its state as a
// weights file, so that short inputs (the bench's 2048-byte chunks) start warm.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <vector>

#include "model/cm.h"
#include "util/file_io.h"

namespace {

lmzip::Status ReadAll(const std::string& path, std::vector<uint8_t>* out) {
  LMZIP_ASSIGN_OR_RETURN(std::unique_ptr<lmzip::FileSource> in, lmzip::FileSource::Open(path));
  uint8_t buf[1 << 16];
  for (;;) {
    LMZIP_ASSIGN_OR_RETURN(size_t got, in->Read(buf, sizeof buf));
    if (got == 0) return lmzip::Status::Ok();
    out->insert(out->end(), buf, buf + got);
  }
}

}  // namespace

int PrimeMain(int argc, char** argv) {
  CLI::App app{
      "Trains the context-mixing model on corpus files and writes its state to FILE.lmzw.\n"
      "Compress and decompress with --model FILE.lmzw at the same level: the .lmz header\n"
      "records the file's hash, and decoding needs the very same file.",
      "lmzip prime"};
  int level = 6;
  std::string out_path;
  std::vector<std::string> corpus_paths;
  uint64_t max_bytes = 0;
  bool force = false;
  app.add_option("-l,--level", level, "Model level the state is for")->capture_default_str()->check(CLI::Range(1, 9));
  app.add_option("-o,--out", out_path, "Weights file to write (FILE.lmzw)")->required();
  app.add_option("--max-bytes", max_bytes, "Train on at most this many corpus bytes (0: all)");
  app.add_flag("-f,--force", force, "Overwrite the output");
  app.add_option("corpus", corpus_paths, "Training files, read in order")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  std::vector<uint8_t> corpus;
  for (const std::string& path : corpus_paths) {
    const lmzip::Status s = ReadAll(path, &corpus);
    if (!s.ok()) {
      std::fprintf(stderr, "lmzip prime: %s: %s\n", path.c_str(), s.message().c_str());
      return 1;
    }
  }
  if (max_bytes > 0 && corpus.size() > max_bytes) corpus.resize(max_bytes);
  auto weights = lmzip::PrimeContextMixingModel(level, corpus);
  if (!weights.ok()) {
    std::fprintf(stderr, "lmzip prime: %s\n", weights.status().message().c_str());
    return 1;
  }
  auto sink = lmzip::FileSink::Create(out_path, force);
  lmzip::Status s = sink.ok() ? (*sink)->Write(*weights) : sink.status();
  if (s.ok()) s = (*sink)->Commit();
  if (!s.ok()) {
    std::fprintf(stderr, "lmzip prime: %s: %s\n", out_path.c_str(), s.message().c_str());
    return 1;
  }
  std::fprintf(stderr, "lmzip prime: %zu corpus bytes -> %s (%zu bytes, level %d)\n", corpus.size(),
               out_path.c_str(), weights->size(), level);
  return 0;
}
