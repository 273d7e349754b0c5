#include "train/trainer.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>

#include "nn/gguf.h"
#include "nn/token_file.h"
#include "nn/windows.h"
#include "train/torch_transformer.h"

namespace lmzip::train {
namespace {

using Clock = std::chrono::steady_clock;
constexpr double kLn2 = 0.69314718055994530942;

Result<std::vector<uint8_t>> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError(path + ": cannot open");
  std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::IOError(path + ": read error");
  return data;
}

Status WriteAll(const std::string& path, const std::vector<uint8_t>& bytes) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::IOError(tmp + ": cannot create");
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) return Status::IOError(tmp + ": write error");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return Status::IOError(path + ": cannot rename");
  return Status::Ok();
}

// Sequences of `len` symbols: input = (0, s[0..len-2]), target = s[0..len-1].
template <typename Symbol>
void FillSequence(const Symbol* s, int64_t len, int64_t* input, int64_t* target) {
  input[0] = 0;
  for (int64_t i = 0; i < len; ++i) {
    if (i > 0) input[i] = s[i - 1];
    target[i] = s[i];
  }
}

// One window of the coder's context policy (src/nn/windows.h):
// the model sees `input` and only the targets from `first_scored` on count.
struct EvalWindow {
  std::vector<int64_t> input, target;
  int64_t first_scored = 0;
  int64_t scored = 0;  // targets that count, from first_scored on
};

// The windows in which the coder predicts the symbols (bytes or token ids) of one
// chunk (src/nn/windows.h), as tensors' rows.
template <typename Symbol>
std::vector<EvalWindow> ChunkWindows(const Symbol* s, int64_t len, int64_t context) {
  std::vector<EvalWindow> windows;
  for (const nn::SequenceWindow& p : nn::PlanWindows(static_cast<size_t>(len), static_cast<size_t>(context))) {
    EvalWindow w;
    // Position j (> 0) has input symbol start+j-1 and predicts symbol start+j; position
    // 0 has input 0.
    w.input.assign(static_cast<size_t>(context), 0);
    w.target.assign(static_cast<size_t>(context), 0);
    for (size_t j = 0; j < p.rows; ++j) {
      if (j > 0) w.input[j] = s[p.start + j - 1];
      w.target[j] = s[p.start + j];
    }
    w.first_scored = static_cast<int64_t>(p.skip);
    w.scored = static_cast<int64_t>(p.rows - p.skip);
    windows.push_back(std::move(w));
  }
  return windows;
}

// Natural-log loss of the scored targets of `windows`, in batches.
double ScoreWindows(TorchTransformer& model, const std::vector<EvalWindow>& windows) {
  torch::NoGradGuard guard;
  const int64_t context = model->config.context;
  constexpr int64_t kBatch = 4;
  double total_nats = 0;
  const auto n_windows = static_cast<int64_t>(windows.size());
  for (int64_t first = 0; first < n_windows; first += kBatch) {
    const int64_t n = std::min(kBatch, n_windows - first);
    torch::Tensor input = torch::empty({n, context}, torch::kInt64);
    torch::Tensor target = torch::empty({n, context}, torch::kInt64);
    torch::Tensor mask = torch::zeros({n, context}, torch::kFloat32);
    for (int64_t b = 0; b < n; ++b) {
      const EvalWindow& w = windows[static_cast<size_t>(first + b)];
      std::copy(w.input.begin(), w.input.end(), input[b].data_ptr<int64_t>());
      std::copy(w.target.begin(), w.target.end(), target[b].data_ptr<int64_t>());
      float* m = mask[b].data_ptr<float>();
      for (int64_t j = w.first_scored; j < w.first_scored + w.scored; ++j) m[j] = 1.0f;
    }
    const torch::Tensor logits = model->forward(input);
    const torch::Tensor loss = torch::nn::functional::cross_entropy(
        logits.view({-1, model->config.vocab}), target.view({-1}),
        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
    total_nats += (loss * mask.view({-1})).sum().item<double>();
  }
  return total_nats;
}

// Mean bits per byte over the first `max_chunks` whole chunks of `chunk_size` bytes,
// each coded from a fresh state as the coder codes a chunk (with its sliding window
// when the chunk is longer than the model's context).
double EvaluateBpb(TorchTransformer& model, const uint8_t* data, size_t size, int max_chunks,
                   int64_t chunk_size) {
  const int64_t context = model->config.context;
  if (size == 0) return 0.0;
  // A held-out part shorter than one chunk is scored as one shorter chunk.
  chunk_size = std::min<int64_t>(chunk_size, static_cast<int64_t>(size));
  int64_t chunks = static_cast<int64_t>(size) / chunk_size;
  if (max_chunks > 0) chunks = std::min<int64_t>(chunks, max_chunks);
  std::vector<EvalWindow> windows;
  for (int64_t c = 0; c < chunks; ++c) {
    std::vector<EvalWindow> w = ChunkWindows(data + c * chunk_size, chunk_size, context);
    std::move(w.begin(), w.end(), std::back_inserter(windows));
  }
  return ScoreWindows(model, windows) / static_cast<double>(chunks * chunk_size) / kLn2;
}

// Bits per original byte over the first `max_chunks` (0 = all) token-id chunks of
// `held_out`, each coded from a fresh state with the coder's sliding window.
double EvaluateTokenChunks(TorchTransformer& model, const nn::TokenChunks& held_out, int max_chunks) {
  size_t chunks = held_out.chunks();
  if (max_chunks > 0) chunks = std::min(chunks, static_cast<size_t>(max_chunks));
  std::vector<EvalWindow> windows;
  uint64_t bytes = 0;
  const uint32_t* ids = held_out.ids.data();
  for (size_t c = 0; c < chunks; ++c) {
    const int64_t n = held_out.token_counts[c];
    std::vector<EvalWindow> w = ChunkWindows(ids, n, model->config.context);
    std::move(w.begin(), w.end(), std::back_inserter(windows));
    ids += n;
    bytes += held_out.byte_counts[c];
  }
  if (bytes == 0) return 0.0;
  return ScoreWindows(model, windows) / static_cast<double>(bytes) / kLn2;
}

struct Checkpoint {
  int64_t step = 0;
  uint64_t tokens = 0;
  double seconds = 0;
};

Status SaveCheckpoint(const std::string& path, TorchTransformer& model, torch::optim::AdamW& opt,
                      const Checkpoint& state) {
  torch::save(model, path + ".model.pt");
  torch::save(opt, path + ".optim.pt");
  const std::string text = std::to_string(state.step) + " " + std::to_string(state.tokens) + " " +
                           std::to_string(state.seconds) + "\n";
  return WriteAll(path + ".state", std::vector<uint8_t>(text.begin(), text.end()));
}

Result<Checkpoint> LoadCheckpoint(const std::string& path, TorchTransformer& model,
                                  torch::optim::AdamW& opt) {
  std::ifstream in(path + ".state");
  Checkpoint state;
  if (!(in >> state.step >> state.tokens >> state.seconds)) {
    return Status::IOError(path + ".state: cannot read the checkpoint state");
  }
  torch::load(model, path + ".model.pt");
  torch::load(opt, path + ".optim.pt");
  return state;
}

double LearningRate(const TrainOptions& o, int64_t step) {
  if (step < o.warmup_steps) return o.learning_rate * static_cast<double>(step + 1) / o.warmup_steps;
  const double progress = static_cast<double>(step - o.warmup_steps) /
                          static_cast<double>(std::max<int64_t>(1, o.steps - o.warmup_steps));
  const double cosine = 0.5 * (1.0 + std::cos(M_PI * std::min(1.0, progress)));
  return o.learning_rate * (0.1 + 0.9 * cosine);
}

// The token-id training chunks and the held-out ones (nn/token_file.h). The model's
// vocabulary becomes the files' when it was left at the byte default.
Status LoadTokenCorpus(TrainOptions* o, nn::TokenChunks* train, nn::TokenChunks* held_out) {
  LMZIP_ASSIGN_OR_RETURN(*train, nn::ReadTokenFile(o->tokens_path));
  if (!o->valid_tokens_path.empty()) {
    LMZIP_ASSIGN_OR_RETURN(*held_out, nn::ReadTokenFile(o->valid_tokens_path));
  } else {
    // The last validation_fraction of the chunks.
    const size_t n = train->chunks();
    const size_t keep = n - static_cast<size_t>(static_cast<double>(n) * o->validation_fraction);
    held_out->vocab = train->vocab;
    size_t offset = 0;
    for (size_t c = 0; c < keep; ++c) offset += train->token_counts[c];
    for (size_t c = keep, at = offset; c < n; at += train->token_counts[c], ++c) {
      held_out->Add(std::span(train->ids).subspan(at, train->token_counts[c]), train->byte_counts[c]);
    }
    train->ids.resize(offset);
    train->token_counts.resize(keep);
    train->byte_counts.resize(keep);
  }
  const uint32_t vocab = std::max(train->vocab, held_out->vocab);
  if (o->model.vocab == nn::kVocabSize) o->model.vocab = static_cast<int>(vocab);
  if (static_cast<uint32_t>(o->model.vocab) < vocab) {
    return Status::InvalidArgument(o->tokens_path + ": ids need a vocabulary of " + std::to_string(vocab) +
                                   ", more than --vocab " + std::to_string(o->model.vocab));
  }
  return Status::Ok();
}

Result<TrainResult> TrainImpl(TrainOptions o) {
  nn::TokenChunks tokens, valid_tokens;
  const bool token_level = !o.tokens_path.empty();
  if (token_level) LMZIP_RETURN_IF_ERROR(LoadTokenCorpus(&o, &tokens, &valid_tokens));
  LMZIP_RETURN_IF_ERROR(o.model.Validate());
  if (o.steps < 1 || o.batch < 1 || o.seq_len < 1 || o.seq_len > o.model.context) {
    return Status::InvalidArgument("steps and batch must be >= 1 and seq-len within the context");
  }
  if (o.model.context < 2) return Status::InvalidArgument("the context must be at least 2");
  if (o.output_path.empty()) return Status::InvalidArgument("no output file given");
  std::vector<uint8_t> corpus;
  if (!token_level) {
    LMZIP_ASSIGN_OR_RETURN(corpus, ReadAll(o.corpus_path));
  }
  const size_t held_out = static_cast<size_t>(static_cast<double>(corpus.size()) * o.validation_fraction);
  const size_t train_size = token_level ? tokens.ids.size() : corpus.size() - held_out;
  if (train_size < static_cast<size_t>(o.model.context) + 1) {
    return Status::InvalidArgument((token_level ? o.tokens_path : o.corpus_path) +
                                   ": too small to train on (needs more than " +
                                   std::to_string(o.model.context) + " training symbols)");
  }
  const uint8_t* train_data = corpus.data();
  const uint8_t* valid_data = corpus.data() + train_size;
  auto fill = [&](size_t offset, int64_t len, int64_t* input, int64_t* target) {
    if (token_level) {
      FillSequence(tokens.ids.data() + offset, len, input, target);
    } else {
      FillSequence(train_data + offset, len, input, target);
    }
  };
  auto evaluate = [&](TorchTransformer& m) {
    return token_level ? EvaluateTokenChunks(m, valid_tokens, o.eval_chunks)
                       : EvaluateBpb(m, valid_data, held_out, o.eval_chunks, o.eval_chunk_size);
  };

  torch::set_num_threads(std::max(1, o.threads));
  torch::manual_seed(o.seed);
  TorchTransformer model(o.model);
  torch::optim::AdamW optimizer(
      model->parameters(),
      torch::optim::AdamWOptions(o.learning_rate).betas({0.9, 0.98}).weight_decay(o.weight_decay));
  Checkpoint state;
  if (o.resume) {
    if (o.checkpoint_path.empty()) return Status::InvalidArgument("--resume needs a checkpoint path");
    LMZIP_ASSIGN_OR_RETURN(state, LoadCheckpoint(o.checkpoint_path, model, optimizer));
    std::fprintf(stderr, "resuming at step %lld\n", static_cast<long long>(state.step));
  }

  FILE* log = nullptr;
  if (!o.log_path.empty()) {
    log = std::fopen(o.log_path.c_str(), o.resume ? "a" : "w");
    if (log == nullptr) return Status::IOError(o.log_path + ": cannot create");
    if (!o.resume) std::fprintf(log, "step,tokens,train_bpb,validation_bpb,seconds\n");
  }
  const bool tty = isatty(STDERR_FILENO) != 0;
  const int64_t final_steps = static_cast<int64_t>(static_cast<double>(o.steps) * o.final_fraction);
  const int64_t tokens_per_step = static_cast<int64_t>(o.batch) * o.seq_len;
  const Clock::time_point start = Clock::now();
  double window_nats = 0;
  int64_t window_tokens = 0;
  double last_train_bpb = 0;
  double last_valid_bpb = 0;
  Clock::time_point window_start = start;

  for (int64_t step = state.step; step < o.steps; ++step) {
    const bool long_phase = step >= o.steps - final_steps;
    const int64_t len = long_phase ? o.model.context : o.seq_len;
    const int64_t batch = std::max<int64_t>(1, tokens_per_step / len);
    std::mt19937_64 rng(o.seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(step));
    std::uniform_int_distribution<size_t> pick(0, train_size - static_cast<size_t>(len));
    torch::Tensor input = torch::empty({batch, len}, torch::kInt64);
    torch::Tensor target = torch::empty({batch, len}, torch::kInt64);
    for (int64_t b = 0; b < batch; ++b) {
      fill(pick(rng), len, input[b].data_ptr<int64_t>(), target[b].data_ptr<int64_t>());
    }
    for (auto& group : optimizer.param_groups()) {
      static_cast<torch::optim::AdamWOptions&>(group.options()).lr(LearningRate(o, step));
    }
    optimizer.zero_grad();
    const torch::Tensor logits = model->forward(input);
    const torch::Tensor loss =
        torch::nn::functional::cross_entropy(logits.view({-1, o.model.vocab}), target.view({-1}));
    loss.backward();
    torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
    optimizer.step();

    const double nats = loss.item<double>();
    if (!std::isfinite(nats)) return Status::InvalidArgument("training diverged (loss is not finite)");
    window_nats += nats * static_cast<double>(batch * len);
    window_tokens += batch * len;
    state.tokens += static_cast<uint64_t>(batch * len);
    state.step = step + 1;

    const bool last = state.step == o.steps;
    const bool eval = o.eval_every > 0 && (state.step % o.eval_every == 0 || last);
    if (eval) last_valid_bpb = evaluate(model);
    if (state.step % 10 == 0 || eval || last) {
      const double now = std::chrono::duration<double>(Clock::now() - start).count();
      const double window_secs = std::chrono::duration<double>(Clock::now() - window_start).count();
      last_train_bpb = window_nats / static_cast<double>(window_tokens) / kLn2;
      const double tok_per_s = static_cast<double>(window_tokens) / std::max(window_secs, 1e-9);
      if (log != nullptr) {
        std::fprintf(log, "%lld,%llu,%.4f,%s,%.1f\n", static_cast<long long>(state.step),
                     static_cast<unsigned long long>(state.tokens), last_train_bpb,
                     eval ? std::to_string(last_valid_bpb).c_str() : "", state.seconds + now);
        std::fflush(log);
      }
      if (o.progress) {
        const double eta = static_cast<double>(o.steps - state.step) * static_cast<double>(tokens_per_step) /
                           std::max(tok_per_s, 1e-9);
        const int filled = static_cast<int>(30.0 * static_cast<double>(state.step) / static_cast<double>(o.steps));
        // Training loss per symbol (a byte or a token); validation per original byte.
        std::fprintf(stderr, "%s[%-30s] step %lld/%lld  loss %.3f %s  val %.3f bpb  %.0f tok/s  eta %.0f s%s",
                     tty ? "\r" : "", std::string(static_cast<size_t>(filled), '#').c_str(),
                     static_cast<long long>(state.step), static_cast<long long>(o.steps),
                     last_train_bpb, token_level ? "bits/token" : "bpb", last_valid_bpb, tok_per_s, eta,
                     tty ? "" : "\n");
        std::fflush(stderr);
      }
      window_nats = 0;
      window_tokens = 0;
      window_start = Clock::now();
    }
    if (!o.checkpoint_path.empty() && o.checkpoint_every > 0 &&
        (state.step % o.checkpoint_every == 0 || last)) {
      Checkpoint saved = state;
      saved.seconds += std::chrono::duration<double>(Clock::now() - start).count();
      LMZIP_RETURN_IF_ERROR(SaveCheckpoint(o.checkpoint_path, model, optimizer, saved));
    }
  }
  if (o.progress && tty) std::fputc('\n', stderr);
  if (log != nullptr) std::fclose(log);

  TrainResult result;
  result.steps = state.step;
  result.tokens = state.tokens;
  result.final_train_bpb = last_train_bpb;
  result.validation_bpb =
      o.eval_every > 0 ? last_valid_bpb : evaluate(model);
  nn::TrainingInfo info;
  info.corpus = !o.corpus_name.empty() ? o.corpus_name : token_level ? o.tokens_path : o.corpus_path;
  info.steps = static_cast<uint64_t>(result.steps);
  info.tokens = result.tokens;
  info.validation_bpb = result.validation_bpb;
  const nn::TransformerWeights weights = ExportWeights(model);
  const std::string name = "lmzip transformer " + std::to_string(o.model.parameter_count()) + " parameters";
  const nn::GgufFile file =
      nn::ToGguf(weights, info, o.float16 ? nn::GgufType::kF16 : nn::GgufType::kF32, name);
  LMZIP_RETURN_IF_ERROR(WriteAll(o.output_path, nn::SerializeGguf(file)));
  return result;
}

}  // namespace

Result<TrainResult> Train(const TrainOptions& options) {
  try {
    return TrainImpl(options);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("training failed: ") + e.what());
  }
}

}  // namespace lmzip::train
