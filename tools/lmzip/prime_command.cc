// lmzip prime: trains the context-mixing model on a corpus and writes its state as a
// weights file, so that short inputs (the bench's 2048-byte chunks) start warm.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "model/cm.h"
#include "util/byte_size.h"
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
  std::string max_bytes_text = "0", skip_text = "0";
  std::string images_dir, audio_dir;
  bool force = false;
  app.add_option("-l,--level", level, "Model level the state is for")->capture_default_str()->check(CLI::Range(1, 9));
  app.add_option("-o,--out", out_path, "Weights file to write (FILE.lmzw)")->required();
  app.add_option("--max-bytes", max_bytes_text,
                 "Train on at most this many corpus bytes (0: all; k, M: powers of 1000; Ki, Mi: of 1024)");
  app.add_flag("-f,--force", force, "Overwrite the output");
  app.add_option("--skip", skip_text,
                 "Leave out the first bytes of the corpus (e.g. the part a bench run codes)");
  app.add_option("--images", images_dir,
                 "Train on a folder of images as the bench codes them (32x64 grayscale patches)");
  app.add_option("--audio", audio_dir,
                 "Train on a folder of audio as the bench codes it (8-bit samples, 16 kHz)");
  app.add_option("corpus", corpus_paths, "Training files, read in order");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (corpus_paths.empty() == (images_dir.empty() && audio_dir.empty()) ||
      (!images_dir.empty() && !audio_dir.empty())) {
    std::fprintf(stderr, "lmzip prime: give corpus files, or one of --images DIR and --audio DIR\n");
    return 2;
  }
  const lmzip::Result<uint64_t> max_bytes = lmzip::ParseByteSize(max_bytes_text);
  const lmzip::Result<uint64_t> skip_bytes = lmzip::ParseByteSize(skip_text);
  for (const lmzip::Result<uint64_t>* n : {&max_bytes, &skip_bytes}) {
    if (!n->ok()) {
      std::fprintf(stderr, "lmzip prime: %s\n", n->status().message().c_str());
      return 2;
    }
  }
  std::vector<uint8_t> corpus;
  if (!images_dir.empty() || !audio_dir.empty()) {
    // The bench's own loaders, so that the state learns the bytes the bench codes.
    const uint64_t want = *max_bytes > 0 && *max_bytes <= UINT64_MAX - *skip_bytes ? *skip_bytes + *max_bytes : UINT64_MAX;
    auto data = images_dir.empty() ? lmzip::LoadAudioFolder(audio_dir, want, 2048)
                                   : lmzip::LoadImageFolder(images_dir, want);
    if (!data.ok()) {
      std::fprintf(stderr, "lmzip prime: %s\n", data.status().message().c_str());
      return 1;
    }
    corpus = std::move(data->bytes);
  }
  for (const std::string& path : corpus_paths) {
    const lmzip::Status s = ReadAll(path, &corpus);
    if (!s.ok()) {
      std::fprintf(stderr, "lmzip prime: %s: %s\n", path.c_str(), s.message().c_str());
      return 1;
    }
  }
  corpus.erase(corpus.begin(), corpus.begin() + static_cast<ptrdiff_t>(std::min<uint64_t>(*skip_bytes, corpus.size())));
  if (*max_bytes > 0 && corpus.size() > *max_bytes) corpus.resize(*max_bytes);
  if (corpus.empty()) {
    std::fprintf(stderr, "lmzip prime: no corpus bytes left to train on\n");
    return 1;
  }
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
