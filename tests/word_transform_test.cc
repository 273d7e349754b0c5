#include "codec/word_transform.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "codec/model_codec.h"
#include "container/format.h"
#include "lmzip/container.h"
#include "test_util.h"

namespace lmzip {
namespace {

std::vector<uint8_t> Bytes(const std::string& s) { return {s.begin(), s.end()}; }

// Options that transform any input with free byte values, however small.
words::ForwardOptions Eager() {
  words::ForwardOptions o;
  o.min_count = 1;
  o.require_text = false;
  o.require_gain = false;
  return o;
}

std::vector<uint8_t> Moby() {
  return testing::ReadFileBytes(std::string(LMZIP_TEST_DATA_DIR) + "/moby_chapter1_32k.txt");
}

void ExpectRoundTrip(const std::vector<uint8_t>& raw, const words::ForwardOptions& options, bool transformed) {
  std::vector<uint8_t> t;
  ASSERT_EQ(words::Forward(raw, &t, options), transformed);
  if (!transformed) return;
  std::vector<uint8_t> back;
  const Status s = words::Inverse(t, raw.size(), &back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(back, raw);
}

TEST(WordTransformTest, ShortensTextAndRoundTrips) {
  const std::vector<uint8_t> raw = Moby();
  std::vector<uint8_t> t;
  ASSERT_TRUE(words::Forward(raw, &t, {.min_count = 4}));
  EXPECT_LT(t.size(), raw.size() * 17 / 20);
  std::vector<uint8_t> back;
  ASSERT_TRUE(words::Inverse(t, raw.size(), &back).ok());
  EXPECT_EQ(back, raw);
}

TEST(WordTransformTest, TrickyTextRoundTrips) {
  const std::vector<std::string> cases = {
      "",
      "a",
      "I",
      "the the the The THE tHe tHE ThE the",
      "THE WHALE AND THE WHALE, the whale and the Whale; McDonald McDONALD",
      "A I A I a i aa AA Aa aA",
      "caf\xc3\xa9 na\xc3\xafve \xe2\x80\x9cquoted\xe2\x80\x9d the the caf\xc3\xa9",
      std::string(300, 'w') + " " + std::string(300, 'w') + " " + std::string(300, 'W'),
      "the\nthe\tthe\r\nthe  the--the'the's whale's whales' 1the2 the_the",
      "word word word word word",
      std::string("the \x01\x02 the \x1f the \x00 the", 23),
      "The ` the ~ THE ^ the | the {} the @#\\<>_=+*%$& The",
  };
  for (const std::string& c : cases) {
    SCOPED_TRACE(c);
    ExpectRoundTrip(Bytes(c), Eager(), true);
  }
}

TEST(WordTransformTest, RandomWordSoupRoundTrips) {
  // Words of random case from a small vocabulary, punctuation, digits and UTF-8.
  const char* vocab[] = {"the", "a", "whale", "I", "sea", "x", "harpoon", "of", "ahab"};
  const char* glue[] = {" ", "  ", ", ", ".\n", "\xe2\x80\x94", "'", "-", "1", "\t"};
  std::mt19937_64 rng(7);
  for (int round = 0; round < 50; ++round) {
    std::string s;
    const size_t words = rng() % 200;
    for (size_t i = 0; i < words; ++i) {
      std::string w = vocab[rng() % 9];
      const int form = static_cast<int>(rng() % 4);
      for (size_t k = 0; k < w.size(); ++k) {
        if (form == 1 && k == 0) w[k] = static_cast<char>(w[k] - 32);
        if (form == 2) w[k] = static_cast<char>(w[k] - 32);
        if (form == 3 && rng() % 2) w[k] = static_cast<char>(w[k] - 32);
      }
      s += w;
      s += glue[rng() % 9];
    }
    words::ForwardOptions o = Eager();
    o.min_count = static_cast<uint32_t>(1 + rng() % 3);
    ExpectRoundTrip(Bytes(s), o, true);
  }
}

TEST(WordTransformTest, NeedsFreeByteValues) {
  // Every byte value 0x80-0xff in use: no codes left.
  std::vector<uint8_t> raw = Bytes("the whale the whale ");
  for (int c = 128; c < 256; ++c) raw.push_back(static_cast<uint8_t>(c));
  std::vector<uint8_t> t;
  EXPECT_FALSE(words::Forward(raw, &t, Eager()));
  // Every ASCII byte in use: no flags left.
  raw = Bytes("the whale the whale ");
  for (int c = 0; c < 128; ++c) raw.push_back(static_cast<uint8_t>(c));
  EXPECT_FALSE(words::Forward(raw, &t, Eager()));
}

TEST(WordTransformTest, LeavesNonTextAlone) {
  std::vector<uint8_t> t;
  EXPECT_FALSE(words::Forward(testing::RandomBytes(1 << 16, 3), &t));
  EXPECT_FALSE(words::Forward({}, &t));
  EXPECT_FALSE(words::Forward(Bytes("x"), &t));
  // Text whose transform would not be shorter.
  EXPECT_FALSE(words::Forward(Bytes("one two three four five six seven"), &t, {.min_count = 1}));
}

TEST(WordTransformTest, HostileInputFailsCleanly) {
  const std::vector<uint8_t> raw = Moby();
  std::vector<uint8_t> t;
  ASSERT_TRUE(words::Forward(raw, &t, {.min_count = 4}));
  std::vector<uint8_t> out;
  // Truncations, at every length up to the body and sampled after.
  for (size_t n = 0; n < t.size(); n += n < 1500 ? 1 : 499) {
    const Status s = words::Inverse(std::span(t).first(n), raw.size(), &out);
    EXPECT_FALSE(s.ok()) << n;
    EXPECT_LE(out.size(), raw.size());
  }
  // A wrong size either way.
  EXPECT_FALSE(words::Inverse(t, raw.size() - 1, &out).ok());
  EXPECT_FALSE(words::Inverse(t, raw.size() + 1, &out).ok());
  EXPECT_LE(out.size(), raw.size() + 1);
  // Random damage: never a crash, never more than the chunk.
  std::mt19937_64 rng(11);
  for (int round = 0; round < 2000; ++round) {
    std::vector<uint8_t> bad = t;
    const int hits = 1 + static_cast<int>(rng() % 4);
    for (int h = 0; h < hits; ++h) {
      // Mostly in the header and dictionary, where parsing decisions are made.
      const size_t at = rng() % 3 ? rng() % std::min<size_t>(bad.size(), 2048) : rng() % bad.size();
      bad[at] = static_cast<uint8_t>(rng());
    }
    const Status s = words::Inverse(bad, raw.size(), &out);
    EXPECT_LE(out.size(), raw.size());
    if (s.ok()) {
      EXPECT_EQ(out.size(), raw.size());
    } else {
      EXPECT_EQ(s.code(), StatusCode::kCorruption);
    }
  }
  // Hand-made headers: bad flags, empty code set, too many one-byte codes, a code
  // beyond the dictionary, a flag before nothing, a word with a capital.
  std::vector<uint8_t> header(19, 0);
  header[0] = 1;
  header[1] = 2;
  header[2] = 1;  // one code, 0x80
  header[18] = 1;
  const auto with = [&](std::vector<uint8_t> tail) {
    std::vector<uint8_t> v = header;
    v.insert(v.end(), tail.begin(), tail.end());
    return v;
  };
  EXPECT_TRUE(words::Inverse(with({'w', '\n', '\n', 0x80, ' ', 0x01, 0x80}), 3, &out).ok());
  EXPECT_EQ(std::string(out.begin(), out.end()), "w W");
  EXPECT_FALSE(words::Inverse(with({'w', '\n', '\n', 0x80, ' ', 0x01, 0x80}), 2, &out).ok());
  EXPECT_FALSE(words::Inverse(with({'\n', 0x80}), 1, &out).ok());
  EXPECT_FALSE(words::Inverse(with({'w', '\n', '\n', 0x01}), 1, &out).ok());
  EXPECT_FALSE(words::Inverse(with({'w', '\n', '\n', 0x01, '.'}), 2, &out).ok());
  EXPECT_FALSE(words::Inverse(with({'W', '\n', '\n'}), 0, &out).ok());
  EXPECT_FALSE(words::Inverse(with({'a', '\n', 'b', '\n', '\n'}), 0, &out).ok());  // over capacity
  EXPECT_FALSE(words::Inverse(with({'w', '\n'}), 0, &out).ok());                    // no end of list
  std::vector<uint8_t> v = with({'\n'});
  v[0] = v[1];
  EXPECT_FALSE(words::Inverse(v, 0, &out).ok());
  v = with({'\n'});
  v[2] = 0;
  EXPECT_FALSE(words::Inverse(v, 0, &out).ok());
  v = with({'\n'});
  v[18] = 2;
  EXPECT_FALSE(words::Inverse(v, 0, &out).ok());
  // Two-byte codes: 0x80 one byte, 0x81 leads; a lead at the end is truncated.
  v = with({'a', 'a', '\n', 'b', 'b', '\n', '\n', 0x81, 0x80, 0x81});
  v[2] = 3;
  EXPECT_FALSE(words::Inverse(v, 4, &out).ok());
  v.pop_back();
  ASSERT_TRUE(words::Inverse(v, 2, &out).ok());
  EXPECT_EQ(std::string(out.begin(), out.end()), "bb");
}

// The container applies the transform to large text chunks of the cm model only, and
// files with it decode; other data and small chunks keep the plain model method.
TEST(WordTransformTest, ContainerUsesItOnTextChunks) {
  std::vector<uint8_t> text;
  while (text.size() < words::kMinChunkSize) {
    const std::vector<uint8_t> moby = Moby();
    text.insert(text.end(), moby.begin(), moby.end());
  }
  std::vector<uint8_t> data = text;
  const std::vector<uint8_t> noise = testing::RandomBytes(text.size(), 5);
  data.insert(data.end(), noise.begin(), noise.end());
  data.insert(data.end(), text.begin(), text.begin() + 100);
  for (const int level : {1}) {
    MemorySource in(data);
    MemorySink lmz;
    CompressOptions opt;
    opt.model.level = level;
    opt.chunk_size = static_cast<uint32_t>(text.size());
    opt.threads = 2;
    ASSERT_TRUE(Compress(in, lmz, opt).ok());
    auto info = ReadContainerInfo(lmz.bytes());
    ASSERT_TRUE(info.ok()) << info.status().ToString();
    ASSERT_EQ(info->chunk_methods.size(), 3u);
    EXPECT_EQ(info->chunk_methods[0], format::kMethodModelWords);
    EXPECT_NE(info->chunk_methods[1], format::kMethodModelWords);
    EXPECT_NE(info->chunk_methods[2], format::kMethodModelWords);
    MemorySource again(lmz.bytes());
    MemorySink back;
    DecompressOptions dopt;
    ASSERT_TRUE(Decompress(again, back, dopt).ok());
    EXPECT_EQ(back.bytes(), data);
  }
}

// A damaged method-2 chunk fails with Corruption: a transformed size beyond the chunk,
// or a code that no longer decodes to the chunk.
TEST(WordTransformTest, DamagedChunkFailsCleanly) {
  std::vector<uint8_t> text;
  while (text.size() < words::kMinChunkSize) {
    const std::vector<uint8_t> moby = Moby();
    text.insert(text.end(), moby.begin(), moby.end());
  }
  MemorySource in(text);
  MemorySink lmz;
  CompressOptions opt;
  opt.model.level = 1;
  ASSERT_TRUE(Compress(in, lmz, opt).ok());
  const std::vector<uint8_t>& file = lmz.bytes();
  const size_t payload = format::kFixedHeaderSize + (file[6] | file[7] << 8) + 1 + format::kChunkFrameHeaderSize;
  ASSERT_EQ(file[payload - format::kChunkFrameHeaderSize + 8], format::kMethodModelWords);
  for (const size_t at : {payload + 3, payload + 1, payload + 0, payload + 4, payload + 40}) {
    std::vector<uint8_t> bad = file;
    bad[at] ^= 0x40;
    MemorySource bad_in(bad);
    MemorySink out;
    auto r = Decompress(bad_in, out, DecompressOptions{});
    ASSERT_FALSE(r.ok()) << at;
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << r.status().ToString();
    EXPECT_TRUE(out.bytes().empty());
  }
}

}  // namespace
}  // namespace lmzip

namespace lmzip {
namespace {

// The bench's codec codes inputs of 64 KiB and more as the .lmz container codes a
// chunk, after a method byte, so that its whole-input rows are what `lmzip` gives.
TEST(WordTransformTest, ModelCodecTakesTheTransformOnLargeText) {
  std::vector<uint8_t> text;
  const std::vector<uint8_t> chapter = Moby();
  while (text.size() < words::kMinChunkSize) text.insert(text.end(), chapter.begin(), chapter.end());
  ModelSpec spec;
  spec.name = "cm";
  spec.level = 1;
  const ModelCodec codec(spec);
  auto packed = codec.Compress(text);
  ASSERT_TRUE(packed.ok()) << packed.status().ToString();
  ASSERT_FALSE(packed->empty());
  EXPECT_EQ((*packed)[0], 2);  // the word transform's method
  auto back = codec.Decompress(*packed, text.size());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, text);

  std::vector<uint8_t> bad = *packed;
  bad[0] = 7;
  EXPECT_EQ(codec.Decompress(bad, text.size()).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(codec.Decompress({}, text.size()).status().code(), StatusCode::kCorruption);
  // Small inputs (the bench's 2048-byte chunks) are the model's code alone.
  const std::vector<uint8_t> small(chapter.begin(), chapter.begin() + 2048);
  std::vector<uint8_t> plain;
  ASSERT_TRUE(EncodeWithModel(spec, small, &plain).ok());
  EXPECT_EQ(*codec.Compress(small), plain);
}

}  // namespace
}  // namespace lmzip
