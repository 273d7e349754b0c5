#include "study/transformer_training.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "model/token_transformer.h"
#include "nn/gguf.h"

extern char** environ;

namespace lmzip::study {
namespace {

std::string ReadTail(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > max_bytes) text = "..." + text.substr(text.size() - max_bytes);
  return text;
}

// Runs `argv` with stdout and stderr into `log_path`; returns its exit status.
Result<int> RunLogged(const std::vector<std::string>& args, const std::string& log_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int err = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0) return Status::IOError(args[0] + ": cannot start (" + std::strerror(err) + ")");
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Status::IOError(args[0] + ": lost the child process");
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

}  // namespace

std::string TransformerShape::Name() const { return fmt::format("tf-{}x{}", width, layers); }

Result<TransformerShape> ParseShape(const std::string& text) {
  TransformerShape s;
  int parts[3] = {0, 0, 0};
  int n = 0;
  size_t at = 0;
  while (n < 3) {
    size_t used = 0;
    try {
      parts[n++] = std::stoi(text.substr(at), &used);
    } catch (...) {
      return Status::InvalidArgument("not a transformer shape (WIDTHxLAYERS[xHEADS]): " + text);
    }
    at += used;
    if (at == text.size()) break;
    if (text[at] != 'x') return Status::InvalidArgument("not a transformer shape (WIDTHxLAYERS[xHEADS]): " + text);
    ++at;
  }
  if (n < 2 || at != text.size()) return Status::InvalidArgument("not a transformer shape (WIDTHxLAYERS[xHEADS]): " + text);
  s.width = parts[0];
  s.layers = parts[1];
  s.heads = n == 3 ? parts[2] : std::max(1, parts[0] / 16);
  nn::TransformerConfig c;
  c.width = s.width;
  c.layers = s.layers;
  c.heads = s.heads;
  const Status valid = c.Validate();
  if (!valid.ok()) return valid.WithContext(text);
  return s;
}

std::string FindTrainer() {
  if (const char* env = std::getenv("LMZIP_TRAIN"); env != nullptr && env[0] != '\0') {
    return access(env, X_OK) == 0 ? env : "";
  }
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  const std::filesystem::path trainer = self.parent_path() / "lmzip-train";
  return access(trainer.c_str(), X_OK) == 0 ? trainer.string() : "";
}

Result<TrainedTransformer> TrainTransformer(const TransformerTraining& t, const TransformerShape& shape,
                                            const std::string& name, const nn::TokenChunks& train,
                                            const nn::TokenChunks& valid) {
  const std::string trainer = t.trainer.empty() ? FindTrainer() : t.trainer;
  if (trainer.empty()) return Status::NotSupported("no lmzip-train beside this program (a build without libtorch)");
  const std::string base = t.work_dir + "/" + name;
  LMZIP_RETURN_IF_ERROR(nn::WriteTokenFile(base + ".train.ids", train));
  LMZIP_RETURN_IF_ERROR(nn::WriteTokenFile(base + ".valid.ids", valid));
  const std::vector<std::string> args = {
      trainer, "--tokens", base + ".train.ids", "--valid-tokens", base + ".valid.ids",
      "--vocab", std::to_string(std::max(train.vocab, valid.vocab)),
      "-o", base + ".gguf", "--width", std::to_string(shape.width), "--layers", std::to_string(shape.layers),
      "--heads", std::to_string(shape.heads), "--context", std::to_string(t.seq_len),
      "--seq-len", std::to_string(t.seq_len), "--final-fraction", "0", "--steps", std::to_string(t.steps),
      "--batch", std::to_string(t.batch), "--lr", fmt::format("{}", t.learning_rate),
      "--warmup", std::to_string(std::min<int64_t>(t.warmup, t.steps)), "--eval-every", "0",
      "--eval-chunks", "0", "-T", std::to_string(t.train_threads), "--seed", std::to_string(t.seed), "-q"};
  const std::string log = base + ".log";
  LMZIP_ASSIGN_OR_RETURN(int exit_code, RunLogged(args, log));
  if (exit_code != 0) {
    return Status::IOError(fmt::format("lmzip-train failed ({}) for {}: {}", exit_code, name, ReadTail(log, 600)));
  }
  TrainedTransformer out;
  out.gguf_path = base + ".gguf";
  LMZIP_ASSIGN_OR_RETURN(out.model, nn::Transformer::Load(out.gguf_path));
  std::ifstream in(out.gguf_path, std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (auto file = nn::ParseGguf(bytes); file.ok()) {
    if (auto bpb = file->GetFloat("lmzip.training.validation_bpb"); bpb.ok()) out.validation_bpb = *bpb;
  }
  return out;
}

Result<std::vector<uint64_t>> CodedChunkBytes(std::shared_ptr<const nn::Transformer> model,
                                              const std::vector<std::vector<uint32_t>>& chunks, int threads) {
  std::vector<std::span<const uint32_t>> spans(chunks.begin(), chunks.end());
  std::vector<std::vector<uint8_t>> codes;
  LMZIP_RETURN_IF_ERROR(CompressTokenChunks(std::move(model), spans, threads, &codes));
  std::vector<uint64_t> sizes;
  for (const auto& c : codes) sizes.push_back(c.size());
  return sizes;
}

ScratchDir::ScratchDir(const std::string& preferred) {
  std::error_code ec;
  if (!preferred.empty()) {
    std::filesystem::create_directories(preferred, ec);
    path_ = preferred;
    return;
  }
  std::string tmpl = (std::filesystem::temp_directory_path(ec) / "lmzip-study-XXXXXX").string();
  if (mkdtemp(tmpl.data()) != nullptr) {
    path_ = tmpl;
    owned_ = true;
  } else {
    path_ = ".";
  }
}

ScratchDir::~ScratchDir() {
  if (!owned_) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace lmzip::study
