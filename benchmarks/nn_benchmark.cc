// Speed of the transformer codecs (models/tf-*.gguf) on 2048-byte chunks of English:
// encode (one pass per chunk) and decode (16 chunks in lockstep), 1 and 2 threads;
// the cost of re-running the model on the whole prefix for every byte, the method
// the KV cache replaces; and the matrix kernel, scalar against AVX2.
#include <benchmark/benchmark.h>

#include <algorithm>

#include <fstream>
#include <iterator>
#include <random>

#include "model/transformer_model.h"
#include "nn/kernels.h"

namespace lmzip {
namespace {

constexpr size_t kChunk = 2048;
constexpr size_t kChunks = 16;
const char* const kShapes[] = {"tf-200k", "tf-800k"};

std::vector<uint8_t> Text() {
  std::ifstream in(DefaultModelsDir() + "/../tests/data/moby_chapter1_32k.txt", std::ios::binary);
  std::vector<uint8_t> t((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  t.resize(kChunk * kChunks, ' ');
  return t;
}

std::vector<std::span<const uint8_t>> Chunks(const std::vector<uint8_t>& text) {
  std::vector<std::span<const uint8_t>> c;
  for (size_t i = 0; i < kChunks; ++i) c.push_back(std::span(text).subspan(i * kChunk, kChunk));
  return c;
}

void BM_TransformerEncode(benchmark::State& state) {
  auto codec = NewTransformerCodec(kShapes[state.range(0)]);
  if (!codec.ok()) return state.SkipWithError(codec.status().message().c_str());
  const std::vector<uint8_t> text = Text();
  const auto chunks = Chunks(text);
  std::vector<std::vector<uint8_t>> codes;
  for (auto _ : state) {
    if (!(*codec)->CompressChunks(chunks, static_cast<int>(state.range(1)), &codes).ok()) {
      return state.SkipWithError("encode failed");
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.SetLabel(kShapes[state.range(0)]);
}

void BM_TransformerDecode(benchmark::State& state) {
  auto codec = NewTransformerCodec(kShapes[state.range(0)]);
  if (!codec.ok()) return state.SkipWithError(codec.status().message().c_str());
  const std::vector<uint8_t> text = Text();
  const auto chunks = Chunks(text);
  std::vector<std::vector<uint8_t>> codes, decoded;
  if (!(*codec)->CompressChunks(chunks, 2, &codes).ok()) return state.SkipWithError("encode failed");
  const std::vector<std::span<const uint8_t>> code_spans(codes.begin(), codes.end());
  const std::vector<size_t> sizes(kChunks, kChunk);
  for (auto _ : state) {
    if (!(*codec)->DecompressChunks(code_spans, sizes, static_cast<int>(state.range(1)), &decoded).ok()) {
      return state.SkipWithError("decode failed");
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.SetLabel(kShapes[state.range(0)]);
}

// Bytes/s if every byte of a 2048-byte chunk re-ran the model on its whole prefix:
// prefix lengths sampled every 128 bytes stand for the 128 bytes around them.
void BM_TransformerPrefixRerun(benchmark::State& state) {
  auto codec = NewTransformerCodec(kShapes[state.range(0)]);
  if (!codec.ok()) return state.SkipWithError(codec.status().message().c_str());
  const nn::Transformer& m = (*codec)->model();
  const std::vector<uint8_t> text = Text();
  auto s = m.NewState();
  std::vector<float> logits(nn::kVocabSize);
  int64_t bytes = 0;
  for (auto _ : state) {
    // Coding byte `pos` of a chunk without a cache: the model runs again over all it
    // sees for that byte, the prefix up to its window (context) in length.
    const size_t window = static_cast<size_t>(m.config().context);
    for (size_t pos = 64; pos <= kChunk; pos += 128) {
      const size_t len = std::min(pos, window);
      s->Reset();
      const nn::Transformer::Request req{s.get(), std::span(text).subspan(pos - len, len), logits.data(), true};
      m.Evaluate({&req, 1});
      ++bytes;
    }
  }
  state.SetBytesProcessed(bytes);
  state.SetLabel(kShapes[state.range(0)]);
}

void BM_MatMul(benchmark::State& state) {
  const auto isa = state.range(0) == 0 ? nn::KernelIsa::kScalar : nn::ActiveIsa();
  const size_t rows = static_cast<size_t>(state.range(1)), in = 128, out = 512;
  std::mt19937 rng(1);
  std::vector<float> x(rows * in), w(in * out), y(rows * out);
  for (float& v : x) v = static_cast<float>(rng() % 1000) / 1000.0f;
  for (float& v : w) v = static_cast<float>(rng() % 1000) / 1000.0f;
  for (auto _ : state) {
    nn::MatMul(x.data(), rows, in, w.data(), out, nullptr, y.data(), isa);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows * in * out));  // MACs
  state.SetLabel(nn::IsaName(isa));
}

BENCHMARK(BM_TransformerEncode)->ArgsProduct({{0, 1}, {1, 2}})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_TransformerDecode)->ArgsProduct({{0, 1}, {1, 2}})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_TransformerPrefixRerun)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_MatMul)->ArgsProduct({{0, 1}, {1, 16, 256}});

}  // namespace
}  // namespace lmzip
