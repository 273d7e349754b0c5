#include "lmzip/container.h"

#include <gtest/gtest.h>

#include "container/format.h"
#include "test_util.h"

namespace lmzip {
namespace {

std::vector<uint8_t> CompressBytes(const std::vector<uint8_t>& data, const std::string& model,
                                   int level, uint32_t chunk_size, int threads) {
  MemorySource in(data);
  MemorySink out;
  CompressOptions opt;
  opt.model.name = model;
  opt.model.level = level;
  opt.chunk_size = chunk_size;
  opt.threads = threads;
  auto stats = Compress(in, out, opt);
  EXPECT_TRUE(stats.ok()) << stats.status().ToString();
  if (stats.ok()) {
    EXPECT_EQ(stats->input_bytes, data.size());
    EXPECT_EQ(stats->output_bytes, out.bytes().size());
  }
  return out.bytes();
}

Result<std::vector<uint8_t>> DecompressBytes(const std::vector<uint8_t>& file, int threads = 1) {
  MemorySource in(file);
  MemorySink out;
  DecompressOptions opt;
  opt.threads = threads;
  auto stats = Decompress(in, out, opt);
  if (!stats.ok()) return stats.status();
  return out.bytes();
}

struct Case {
  const char* name;
  std::vector<uint8_t> data;
};

std::vector<Case> Inputs() {
  std::vector<Case> cases;
  cases.push_back({"empty", {}});
  cases.push_back({"one_byte", {0x42}});
  cases.push_back({"zeros", std::vector<uint8_t>(50000, 0)});
  cases.push_back({"random", testing::RandomBytes(30000, 1)});
  cases.push_back({"text", testing::TextBytes(40000, 2)});
  std::vector<uint8_t> binary;
  for (int i = 0; i < 20000; ++i) {
    const uint32_t v = static_cast<uint32_t>(i * 2654435761u);
    binary.push_back(static_cast<uint8_t>(i));
    binary.push_back(static_cast<uint8_t>(v >> 24));
  }
  cases.push_back({"binary", binary});
  return cases;
}

TEST(ContainerTest, RoundTripsEveryInputAtEveryLevel) {
  for (const Case& c : Inputs()) {
    for (int level = 1; level <= 9; ++level) {
      const auto file = CompressBytes(c.data, "cm", level, 0, 1);
      auto back = DecompressBytes(file, 1);
      ASSERT_TRUE(back.ok()) << c.name << " level " << level << ": " << back.status().ToString();
      EXPECT_EQ(*back, c.data) << c.name << " level " << level;
    }
  }
}

TEST(ContainerTest, OutputIsIndependentOfThreadCountAndRun) {
  const auto data = testing::TextBytes(100000, 5);
  const auto one = CompressBytes(data, "cm", 3, 8192, 1);
  EXPECT_EQ(one, CompressBytes(data, "cm", 3, 8192, 1));
  EXPECT_EQ(one, CompressBytes(data, "cm", 3, 8192, 2));
  EXPECT_EQ(one, CompressBytes(data, "cm", 3, 8192, 7));
  for (int threads : {1, 3, 8}) {
    auto back = DecompressBytes(one, threads);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, data);
  }
}

TEST(ContainerTest, WorkerThreadsStayWithinTheMemoryLimit) {
  constexpr uint64_t kMiB = uint64_t{1} << 20;
  EXPECT_EQ(WorkerThreads(4, 0, 1229 * kMiB, 64 * kMiB), 4);  // no limit
  EXPECT_EQ(WorkerThreads(0, 0, 0, 0), 1);
  // -9 on two cores within 2 GiB: one worker of 1229 MiB + 3 x 64 MiB (the chunk,
  // its code, its word-transformed copy).
  EXPECT_EQ(WorkerThreads(2, 2048 * kMiB, 1229 * kMiB, 64 * kMiB), 1);
  // -6: 317 MiB + 3 x 16 MiB fits five times; with 100 MiB chunks, three times.
  EXPECT_EQ(WorkerThreads(16, 2048 * kMiB, 317 * kMiB, 16 * kMiB), 5);
  EXPECT_EQ(WorkerThreads(2, 2048 * kMiB, 317 * kMiB, 16 * kMiB), 2);
  EXPECT_EQ(WorkerThreads(16, 2048 * kMiB, 317 * kMiB, 100 * kMiB), 3);
  // Never fewer than one, even when one does not fit.
  EXPECT_EQ(WorkerThreads(8, kMiB, 1229 * kMiB, 64 * kMiB), 1);
  // The level's model bound as the library uses it.
  ModelSpec spec;
  spec.level = 9;
  EXPECT_GT(ModelMemoryBound(spec), 512 * kMiB);
  EXPECT_LT(ModelMemoryBound(spec), 2048 * kMiB);
  spec.name = "order0";
  EXPECT_EQ(ModelMemoryBound(spec), 0u);
}

TEST(ContainerTest, TextCompressesAndRandomIsStored) {
  const auto text = testing::TextBytes(50000, 9);
  EXPECT_LT(CompressBytes(text, "cm", 6, 0, 1).size(), text.size() / 3);
  const auto random = testing::RandomBytes(50000, 9);
  const auto file = CompressBytes(random, "cm", 6, 10000, 1);
  // Stored chunks: a few bytes of framing per chunk, never model expansion.
  EXPECT_LE(file.size(), random.size() + 300);
  auto info = ReadContainerInfo(file);
  ASSERT_TRUE(info.ok());
  for (uint8_t m : info->chunk_methods) EXPECT_EQ(m, format::kMethodStored);
}

TEST(ContainerTest, InfoDescribesTheFile) {
  const auto data = testing::TextBytes(25000, 4);
  const auto file = CompressBytes(data, "cm", 2, 10000, 1);
  auto info = ReadContainerInfo(file);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->model_name, "cm");
  EXPECT_EQ(info->model_level, 2);
  EXPECT_EQ(info->chunk_size, 10000u);
  EXPECT_EQ(info->original_size, data.size());
  EXPECT_EQ(info->compressed_size, file.size());
  EXPECT_EQ(info->chunk_raw_sizes, (std::vector<uint32_t>{10000, 10000, 5000}));
  EXPECT_EQ(info->content_hash, format::Hash64(data));
}

TEST(ContainerTest, EveryTruncationIsCorruption) {
  // Container-level faults: the cheap order-0 model keeps the many decodes fast.
  const auto data = testing::TextBytes(3000, 6);
  const auto file = CompressBytes(data, "order0", 1, 1000, 1);
  for (size_t n = 0; n < file.size(); ++n) {
    std::vector<uint8_t> cut(file.begin(), file.begin() + static_cast<long>(n));
    auto back = DecompressBytes(cut);
    ASSERT_FALSE(back.ok()) << "truncated to " << n;
    EXPECT_EQ(back.status().code(), StatusCode::kCorruption) << n << ": " << back.status().ToString();
  }
}

TEST(ContainerTest, EverySingleBitFlipIsDetectedOrHarmless) {
  // A flip may land in slack of the arithmetic code's last byte and change nothing
  // decoded; what must never happen is wrong output reported as success.
  const auto data = testing::TextBytes(2000, 8);
  const auto file = CompressBytes(data, "order0", 1, 700, 1);
  int detected = 0;
  for (size_t i = 0; i < file.size(); ++i) {
    for (uint8_t mask : {0x01, 0x80}) {
      std::vector<uint8_t> bad = file;
      bad[i] ^= mask;
      auto back = DecompressBytes(bad);
      if (back.ok()) {
        ASSERT_EQ(*back, data) << "flip at " << i << " gave wrong data without an error";
      } else {
        ++detected;
      }
    }
  }
  EXPECT_GE(detected, static_cast<int>(2 * file.size()) - 8);
}

TEST(ContainerTest, TrailingGarbageIsCorruption) {
  auto file = CompressBytes(testing::TextBytes(100, 1), "cm", 1, 0, 1);
  file.push_back(0);
  auto back = DecompressBytes(file);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.status().code(), StatusCode::kCorruption);
}

TEST(ContainerTest, NotAnLmzFile) {
  auto back = DecompressBytes(testing::TextBytes(100, 1));
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.status().code(), StatusCode::kCorruption);
  EXPECT_NE(back.status().message().find("not an .lmz file"), std::string::npos);
}

TEST(ContainerTest, UnknownModelOrVersionIsRefusedClearly) {
  format::Header h;
  h.model_name = "transformer-9000";
  h.model_level = 1;
  h.model_version = 1;
  h.chunk_size = 100;
  std::vector<uint8_t> file;
  format::AppendHeader(h, &file);
  format::AppendEnd(format::Index{}, file.size(), &file);
  auto back = DecompressBytes(file);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.status().code(), StatusCode::kNotSupported);
  EXPECT_NE(back.status().message().find("transformer-9000"), std::string::npos);

  h.model_name = "cm";
  h.model_version = 999;
  file.clear();
  format::AppendHeader(h, &file);
  format::AppendEnd(format::Index{}, file.size(), &file);
  back = DecompressBytes(file);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.status().code(), StatusCode::kNotSupported);
  EXPECT_NE(back.status().message().find("version 999"), std::string::npos);
}

TEST(ContainerTest, BadOptionsAreInvalidArgument) {
  MemorySource in(std::span<const uint8_t>{});
  MemorySink out;
  CompressOptions opt;
  opt.model.name = "nope";
  auto r = Compress(in, out, opt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  opt.model.name = "cm";
  opt.model.level = 12;
  EXPECT_EQ(Compress(in, out, opt).status().code(), StatusCode::kInvalidArgument);
}

TEST(ContainerTest, ReaderChunkLimitRefusesHugeChunksUpFront) {
  const auto file = CompressBytes(testing::TextBytes(100, 1), "cm", 1, 1 << 20, 1);
  MemorySource in(file);
  MemorySink out;
  DecompressOptions opt;
  opt.max_chunk_size = 4096;
  auto r = Decompress(in, out, opt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotSupported);
}

}  // namespace
}  // namespace lmzip
