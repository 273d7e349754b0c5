#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "lmzip/bench.h"

namespace lmzip {
namespace {

// Writes a fixed 10-byte header, then the input as is: the output size is known.
class FakeCodec final : public Codec {
 public:
  FakeCodec(std::string name, uint64_t parameters, uint64_t side, bool corrupt = false)
      : name_(std::move(name)), parameters_(parameters), side_(side), corrupt_(corrupt) {}
  static constexpr size_t kHeader = 10;
  std::string name() const override { return name_; }
  Result<std::vector<uint8_t>> Compress(std::span<const uint8_t> input) const override {
    std::vector<uint8_t> out(kHeader, 0xAB);
    out.insert(out.end(), input.begin(), input.end());
    return out;
  }
  Result<std::vector<uint8_t>> Decompress(std::span<const uint8_t> input,
                                          size_t original_size) const override {
    if (input.size() != kHeader + original_size) return Status::Corruption("fake: wrong size");
    std::vector<uint8_t> out(input.begin() + kHeader, input.end());
    if (corrupt_ && out.size() > 1000) out[1000] ^= 1;  // only the first chunk is long enough
    return out;
  }
  uint64_t parameter_count() const override { return parameters_; }
  uint64_t side_bytes() const override { return side_; }

 private:
  std::string name_;
  uint64_t parameters_, side_;
  bool corrupt_;
};

BenchDataset Data(std::string name, size_t n, uint64_t seed) {
  BenchDataset d;
  d.name = std::move(name);
  d.source = "test";
  std::mt19937_64 rng(seed);
  d.bytes.resize(n);
  for (size_t i = 0; i < n; ++i) d.bytes[i] = static_cast<uint8_t>(i % 7 == 0 ? rng() : i / 64);
  return d;
}

BenchOptions FakeOptions() {
  BenchOptions o;
  o.codecs = {"fake", "lmzip-fake"};
  o.threads = 2;
  o.make_codec = [](std::string_view name, const BenchDataset&) -> Result<std::unique_ptr<Codec>> {
    if (name == "fake") return std::unique_ptr<Codec>(std::make_unique<FakeCodec>("fake", 0, 0));
    if (name == "lmzip-fake") {
      return std::unique_ptr<Codec>(std::make_unique<FakeCodec>("lmzip-fake", 100, 7));
    }
    if (name == "liar") {
      return std::unique_ptr<Codec>(std::make_unique<FakeCodec>("liar", 0, 0, true));
    }
    return Status::InvalidArgument("no such fake");
  };
  o.counts_header_once = [](std::string_view name) { return name != "lmzip-fake"; };
  return o;
}

TEST(Bench, RatesCountTheHeaderOnceForClassicalCodecs) {
  const std::vector<BenchDataset> data = {Data("text", 5000, 1)};
  auto report = RunBench(data, FakeOptions());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->rows.size(), 4u);

  const BenchRow* chunked = report->Find("fake", true, "text");
  ASSERT_NE(chunked, nullptr);
  EXPECT_EQ(chunked->chunks, 3u);  // 2048 + 2048 + 904
  EXPECT_EQ(chunked->compressed_bytes, 3 * FakeCodec::kHeader + 5000);
  EXPECT_EQ(chunked->header_bytes, FakeCodec::kHeader + 1);  // C(one zero byte)
  EXPECT_EQ(chunked->counted_bytes, 3 * 10 + 5000 - 2 * 11u);
  EXPECT_DOUBLE_EQ(chunked->raw_rate, 5008.0 / 5000.0);
  EXPECT_DOUBLE_EQ(chunked->adjusted_rate, chunked->raw_rate);

  const BenchRow* whole = report->Find("fake", false, "text");
  ASSERT_NE(whole, nullptr);
  EXPECT_EQ(whole->chunks, 1u);
  EXPECT_EQ(whole->counted_bytes, 5010u);
  EXPECT_DOUBLE_EQ(whole->raw_rate, 5010.0 / 5000.0);
}

TEST(Bench, ModelsPayPerChunkAndForTheirParameters) {
  const std::vector<BenchDataset> data = {Data("text", 5000, 1)};
  auto report = RunBench(data, FakeOptions());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  const BenchRow* row = report->Find("lmzip-fake", true, "text");
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->header_bytes, 0u);
  EXPECT_EQ(row->counted_bytes, 5030u);
  EXPECT_EQ(row->parameters, 100u);
  EXPECT_DOUBLE_EQ(row->raw_rate, 5030.0 / 5000.0);
  EXPECT_DOUBLE_EQ(row->adjusted_rate, (5030.0 + 2 * 100 + 7) / 5000.0);
}

TEST(Bench, ChunkSizeAndModesAreHonoured) {
  const std::vector<BenchDataset> data = {Data("a", 1000, 1), Data("b", 3000, 2)};
  BenchOptions o = FakeOptions();
  o.codecs = {"fake"};
  o.chunk_size = 256;
  o.whole = false;
  auto report = RunBench(data, o);
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->rows.size(), 2u);
  EXPECT_EQ(report->Find("fake", true, "a")->chunks, 4u);
  EXPECT_EQ(report->Find("fake", true, "b")->chunks, 12u);
  EXPECT_EQ(report->Find("fake", false, "a"), nullptr);
  o.chunked = false;
  EXPECT_FALSE(RunBench(data, o).ok());
}

TEST(Bench, RoundTripMismatchIsAnError) {
  const std::vector<BenchDataset> data = {Data("text", 5000, 1)};
  BenchOptions o = FakeOptions();
  o.codecs = {"liar"};
  auto report = RunBench(data, o);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kCorruption);
  EXPECT_NE(report.status().message().find("liar"), std::string::npos);
  EXPECT_NE(report.status().message().find("mismatch"), std::string::npos);
}

TEST(Bench, UnknownCodecIsAnError) {
  const std::vector<BenchDataset> data = {Data("text", 100, 1)};
  BenchOptions o;
  o.codecs = {"gzip", "nosuchcodec"};
  EXPECT_EQ(RunBench(data, o).status().code(), StatusCode::kInvalidArgument);
}

TEST(Bench, RealCodecsGiveTheSameSizesOnAnyThreadCount) {
  const std::vector<BenchDataset> data = {Data("text", 40000, 3), Data("audio", 20480, 4)};
  BenchOptions o;
  o.codecs = {"gzip", "png", "flac", "lmzip-order0-1"};
  o.threads = 1;
  auto one = RunBench(data, o);
  o.threads = 3;
  auto three = RunBench(data, o);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  ASSERT_TRUE(three.ok()) << three.status().ToString();
  ASSERT_EQ(one->rows.size(), three->rows.size());
  for (size_t i = 0; i < one->rows.size(); ++i) {
    EXPECT_EQ(one->rows[i].codec, three->rows[i].codec);
    EXPECT_EQ(one->rows[i].compressed_bytes, three->rows[i].compressed_bytes) << one->rows[i].codec;
    EXPECT_EQ(one->rows[i].counted_bytes, three->rows[i].counted_bytes);
  }
  // gzip's header of one zero byte is 21 bytes: 10 header, 3 deflate, 8 trailer.
  EXPECT_EQ(one->Find("gzip", true, "text")->header_bytes, 21u);
  EXPECT_EQ(one->Find("lmzip-order0-1", true, "text")->header_bytes, 0u);
}

TEST(Bench, OutputsCarryEveryRow) {
  const std::vector<BenchDataset> data = {Data("text", 5000, 1), Data("random", 4096, 2)};
  auto report = RunBench(data, FakeOptions());
  ASSERT_TRUE(report.ok());
  const std::string csv = FormatCsv(*report);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 8);
  EXPECT_NE(csv.find("text,fake,chunked,2048,3,5000,5030,11,5008,0,0,1.001600,1.001600"),
            std::string::npos)
      << csv;
  const auto json = nlohmann::json::parse(FormatJson(*report));
  EXPECT_EQ(json["rows"].size(), 8u);
  EXPECT_EQ(json["chunk_size"], 2048);
  const std::string table = FormatTable(*report, true);
  EXPECT_NE(table.find("lmzip-fake"), std::string::npos);
  EXPECT_NE(table.find("100.2"), std::string::npos) << table;  // 5008 / 5000
  EXPECT_NE(table.find("Chinchilla 70B"), std::string::npos);
  EXPECT_EQ(FormatTable(*report, false).find("Chinchilla"), std::string::npos);
}

}  // namespace
}  // namespace lmzip
