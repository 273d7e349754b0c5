// Throughput of the context-mixing model per level: bytes coded per second through
// the arithmetic coder, on English text and on 2048-byte chunks (a fresh model each,
// as the paper's protocol codes them).
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "codec/model_codec.h"
#include "lmzip/model.h"

namespace lmzip {
namespace {

// The committed Moby-Dick excerpt (32 KiB) beside the sources, repeated to 256 KiB
// with a changing suffix so that the match model does not make it trivial.
const std::vector<uint8_t>& Text() {
  static const std::vector<uint8_t> text = [] {
    const auto path = std::filesystem::path(__FILE__).parent_path().parent_path() /
                      "tests" / "data" / "moby_chapter1_32k.txt";
    std::ifstream f(path, std::ios::binary);
    std::vector<uint8_t> base{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
    if (base.empty()) {
      const std::string fallback = "Call me Ishmael. Some years ago, never mind how long precisely. ";
      base.assign(fallback.begin(), fallback.end());
    }
    std::vector<uint8_t> out;
    for (int copy = 0; out.size() < (256u << 10); ++copy) {
      for (uint8_t b : base) out.push_back(b ^ static_cast<uint8_t>(b >= 'a' && b <= 'z' && (b + copy) % 7 == 0 ? 32 : 0));
    }
    out.resize(256u << 10);
    return out;
  }();
  return text;
}

void BM_CmEncodeText(benchmark::State& state) {
  ModelSpec spec;
  spec.level = static_cast<int>(state.range(0));
  const std::vector<uint8_t>& text = Text();
  std::vector<uint8_t> code;
  for (auto _ : state) {
    code.clear();
    if (!EncodeWithModel(spec, text, &code).ok()) state.SkipWithError("encode failed");
    benchmark::DoNotOptimize(code.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["bits_per_byte"] = 8.0 * static_cast<double>(code.size()) / static_cast<double>(text.size());
}
BENCHMARK(BM_CmEncodeText)->DenseRange(1, 9)->Unit(benchmark::kMillisecond);

void BM_CmDecodeText(benchmark::State& state) {
  ModelSpec spec;
  spec.level = static_cast<int>(state.range(0));
  const std::vector<uint8_t>& text = Text();
  std::vector<uint8_t> code;
  if (!EncodeWithModel(spec, text, &code).ok()) state.SkipWithError("encode failed");
  std::vector<uint8_t> out(text.size());
  for (auto _ : state) {
    if (!DecodeWithModel(spec, code, out.size(), out.data()).ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(out.data());
  }
  if (out != text) state.SkipWithError("round trip differs");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_CmDecodeText)->Arg(1)->Arg(5)->Arg(9)->Unit(benchmark::kMillisecond);

// 2048-byte chunks, each with a fresh model: model set-up cost included.
void BM_CmEncodeChunks(benchmark::State& state) {
  ModelSpec spec;
  spec.level = static_cast<int>(state.range(0));
  const std::vector<uint8_t>& text = Text();
  constexpr size_t kChunk = 2048;
  const size_t chunks = 16;
  std::vector<uint8_t> code;
  for (auto _ : state) {
    for (size_t c = 0; c < chunks; ++c) {
      code.clear();
      const std::span<const uint8_t> chunk(text.data() + c * kChunk, kChunk);
      if (!EncodeWithModel(spec, chunk, &code).ok()) state.SkipWithError("encode failed");
      benchmark::DoNotOptimize(code.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * chunks * kChunk));
}
BENCHMARK(BM_CmEncodeChunks)->Arg(1)->Arg(5)->Arg(9)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace lmzip
