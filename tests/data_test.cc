#include <gtest/gtest.h>
#include <sndfile.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace lmzip {
namespace {

namespace fs = std::filesystem;

const std::string kFixtures = std::string(LMZIP_TEST_DATA_DIR) + "/bench";

// A fresh folder for one test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("lmzip_data_test_" + std::string(info->name()) + "_" + std::to_string(getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
};

void WriteFile(const std::string& path, const std::string& content) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

// Writes `samples` as 16-bit mono at `rate` Hz in `format` (SF_FORMAT_WAV, ...).
void WriteAudio(const std::string& path, int format, int rate, const std::vector<short>& samples) {
  fs::create_directories(fs::path(path).parent_path());
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = 1;
  info.format = format | SF_FORMAT_PCM_16;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  ASSERT_NE(f, nullptr) << sf_strerror(nullptr);
  ASSERT_EQ(sf_write_short(f, samples.data(), static_cast<sf_count_t>(samples.size())),
            static_cast<sf_count_t>(samples.size()));
  sf_close(f);
}

std::vector<short> Ramp(size_t n, int start) {
  std::vector<short> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<short>((start + static_cast<int>(i) * 13) % 65536 - 32768);
  return v;
}

// ---- transforms ----

TEST(Transforms, GrayIsTheTruncatedMean) {
  EXPECT_EQ(GrayFromRgb(0, 0, 0), 0);
  EXPECT_EQ(GrayFromRgb(255, 255, 255), 255);
  EXPECT_EQ(GrayFromRgb(1, 1, 0), 0);  // 2/3 truncates
  EXPECT_EQ(GrayFromRgb(10, 20, 32), 20);
}

TEST(Transforms, EightBitAudioIsHighBytePlus128) {
  EXPECT_EQ(Unsigned8FromPcm16(0), 128);
  EXPECT_EQ(Unsigned8FromPcm16(255), 128);
  EXPECT_EQ(Unsigned8FromPcm16(256), 129);
  EXPECT_EQ(Unsigned8FromPcm16(-1), 127);
  EXPECT_EQ(Unsigned8FromPcm16(-32768), 0);
  EXPECT_EQ(Unsigned8FromPcm16(32767), 255);
}

TEST(Transforms, PatchesAreRowMajorWithEdgesDropped) {
  GrayImage image;
  image.width = 5;
  image.height = 5;
  for (int i = 0; i < 25; ++i) image.pixels.push_back(static_cast<uint8_t>(i));
  std::vector<uint8_t> out;
  EXPECT_EQ(AppendPatches(image, 2, 2, 0, &out), 4u);
  const std::vector<uint8_t> expected = {0, 1, 5, 6, 2, 3, 7, 8, 10, 11, 15, 16, 12, 13, 17, 18};
  EXPECT_EQ(out, expected);
  out.clear();
  EXPECT_EQ(AppendPatches(image, 2, 2, 9, &out), 2u);  // the cap keeps whole patches only
  EXPECT_EQ(out.size(), 8u);
}

// ---- text ----

TEST(TextLoader, ReadsThePrefix) {
  const std::string path = kFixtures + "/moby_dick_opening.txt";
  auto all = LoadTextFile(path, 0);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->bytes.size(), 3000u);
  EXPECT_EQ(std::string(all->bytes.begin(), all->bytes.begin() + 10), "CHAPTER 1.");
  auto capped = LoadTextFile(path, 100);
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ(capped->bytes, std::vector<uint8_t>(all->bytes.begin(), all->bytes.begin() + 100));
  EXPECT_EQ(capped->modality, Modality::kText);
}

TEST(TextLoader, BadInputIsAnError) {
  TempDir dir;
  WriteFile(dir / "empty.txt", "");
  EXPECT_EQ(LoadTextFile(dir / "missing.txt", 0).status().code(), StatusCode::kIOError);
  EXPECT_FALSE(LoadTextFile(dir / "empty.txt", 0).ok());
  EXPECT_FALSE(LoadTextFile(dir.str(), 0).ok());
}

// ---- images ----

TEST(ImageLoader, RgbPngBecomesGrayPatches) {
  auto data = LoadImageFolder(kFixtures + "/rgb_130x70.png", 0);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  ASSERT_EQ(data->bytes.size(), 4u * 2048);  // 2 x 2 patches; the 2-column and 6-row edges dropped
  // The fixture's pixel (x, y) is RGB (x, 2y, (x * y) & 255).
  for (int patch = 0; patch < 4; ++patch) {
    const int x0 = (patch % 2) * 64, y0 = (patch / 2) * 32;
    for (int y = 0; y < 32; y += 7) {
      for (int x = 0; x < 64; x += 5) {
        const int gx = x0 + x, gy = y0 + y;
        const uint8_t want = GrayFromRgb(gx, 2 * gy, (gx * gy) & 255);
        ASSERT_EQ(data->bytes[patch * 2048 + y * 64 + x], want) << patch << " " << x << " " << y;
      }
    }
  }
}

TEST(ImageLoader, SixteenBitPngKeepsTheHighByte) {
  auto data = LoadImageFolder(kFixtures + "/gray16_64x32.png", 0);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  ASSERT_EQ(data->bytes.size(), 2048u);
  for (int y = 0; y < 32; ++y) {
    for (int x = 0; x < 64; ++x) {
      ASSERT_EQ(data->bytes[y * 64 + x], (x * 1000 + y * 7) >> 8);
    }
  }
}

TEST(ImageLoader, JpegDecodes) {
  auto data = LoadImageFolder(kFixtures + "/photo_128x64.jpg", 0);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->bytes.size(), 4u * 2048);
  EXPECT_EQ(data->files_used, 1u);
}

TEST(ImageLoader, FolderSkipsBadFilesByName) {
  TempDir dir;
  fs::create_directories(dir / "a");
  fs::copy_file(kFixtures + "/rgb_130x70.png", dir / "a/rgb.png");
  fs::create_directories(dir / "b");
  fs::copy_file(kFixtures + "/photo_128x64.jpg", dir / "b/photo.JPG");
  WriteFile(dir / "b/garbage.png", "this is not a picture");
  WriteFile(dir / "b/truncated.png", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16));
  WriteFile(dir / "readme.txt", "ignored");
  auto data = LoadImageFolder(dir.str(), 0);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->bytes.size(), 8u * 2048);
  EXPECT_EQ(data->files_used, 2u);
  ASSERT_EQ(data->warnings.size(), 2u);
  EXPECT_NE(data->warnings[0].find("garbage.png"), std::string::npos);
  EXPECT_NE(data->warnings[1].find("truncated.png"), std::string::npos);
  auto capped = LoadImageFolder(dir.str(), 3 * 2048 + 100);
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ(capped->bytes.size(), 3u * 2048);
  EXPECT_EQ(std::vector<uint8_t>(data->bytes.begin(), data->bytes.begin() + 3 * 2048), capped->bytes);
}

TEST(ImageLoader, NothingUsableIsAnError) {
  TempDir dir;
  fs::create_directories(dir / "empty");
  EXPECT_EQ(LoadImageFolder(dir / "empty", 0).status().code(), StatusCode::kInvalidArgument);
  WriteFile(dir / "only/garbage.png", "nope");
  auto only = LoadImageFolder(dir / "only", 0);
  ASSERT_FALSE(only.ok());
  EXPECT_NE(only.status().message().find("no usable"), std::string::npos);
  EXPECT_EQ(LoadImageFolder(dir / "missing", 0).status().code(), StatusCode::kIOError);
}

TEST(ImageDecoder, DamagedBytesNeverCrash) {
  std::ifstream in(kFixtures + "/photo_128x64.jpg", std::ios::binary);
  std::vector<uint8_t> jpeg((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ifstream in2(kFixtures + "/rgb_130x70.png", std::ios::binary);
  std::vector<uint8_t> png((std::istreambuf_iterator<char>(in2)), std::istreambuf_iterator<char>());
  for (const auto* file : {&jpeg, &png}) {
    for (size_t cut = 0; cut < file->size(); cut += 97) {
      (void)DecodeImageAsGray(std::span(*file).first(cut));
    }
    for (size_t i = 0; i < file->size(); i += 41) {
      std::vector<uint8_t> bad = *file;
      bad[i] ^= 0xFF;
      (void)DecodeImageAsGray(bad);
    }
  }
}

// ---- audio ----

TEST(AudioLoader, WavBecomesWholeEightBitChunks) {
  TempDir dir;
  const auto samples = Ramp(5000, 100);
  WriteAudio(dir / "a.wav", SF_FORMAT_WAV, 16000, samples);
  auto data = LoadAudioFolder(dir.str(), 0, 2048);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  ASSERT_EQ(data->bytes.size(), 4096u);  // 5000 samples -> 2 whole chunks
  EXPECT_EQ(data->sample_rate, 16000u);
  for (size_t i = 0; i < data->bytes.size(); ++i) {
    ASSERT_EQ(data->bytes[i], Unsigned8FromPcm16(samples[i])) << i;
  }
}

TEST(AudioLoader, LibriSpeechTreeWithFlacAndTranscripts) {
  TempDir dir;
  WriteAudio(dir / "19/198/19-198-0001.flac", SF_FORMAT_FLAC, 16000, Ramp(3000, 7));
  WriteAudio(dir / "19/198/19-198-0000.flac", SF_FORMAT_FLAC, 16000, Ramp(2100, 9));
  WriteFile(dir / "19/198/19-198.trans.txt", "19-198-0000 SOME WORDS\n");
  WriteAudio(dir / "20/short.wav", SF_FORMAT_WAV, 16000, Ramp(100, 0));
  WriteFile(dir / "20/broken.wav", "RIFF garbage");
  WriteAudio(dir / "21/other_rate.wav", SF_FORMAT_WAV, 8000, Ramp(2048, 3));
  auto data = LoadAudioFolder(dir.str(), 0, 1024);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  // 2100 -> 2048, 3000 -> 2048, 2048 -> 2048 (sorted: 19-198-0000 first)
  EXPECT_EQ(data->bytes.size(), 3u * 2048);
  EXPECT_EQ(data->bytes[0], Unsigned8FromPcm16(Ramp(1, 9)[0]));
  EXPECT_EQ(data->files_used, 3u);
  EXPECT_EQ(data->sample_rate, 16000u);
  std::string all;
  for (const auto& w : data->warnings) all += w + "\n";
  EXPECT_NE(all.find("broken.wav"), std::string::npos) << all;
  EXPECT_NE(all.find("short.wav"), std::string::npos) << all;
  EXPECT_NE(all.find("8000 Hz"), std::string::npos) << all;
  EXPECT_EQ(all.find("trans.txt"), std::string::npos) << all;
  auto capped = LoadAudioFolder(dir.str(), 2500, 1024);
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ(capped->bytes.size(), 2048u);
}

TEST(AudioLoader, RawIsSixteenKiloHertzLittleEndian) {
  TempDir dir;
  std::string raw;
  for (int i = 0; i < 2048; ++i) {
    const int16_t s = static_cast<int16_t>(i * 31 - 30000);
    raw.push_back(static_cast<char>(s & 0xFF));
    raw.push_back(static_cast<char>((s >> 8) & 0xFF));
  }
  WriteFile(dir / "x.raw", raw);
  auto data = LoadAudioFolder(dir / "x.raw", 0, 2048);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  ASSERT_EQ(data->bytes.size(), 2048u);
  EXPECT_EQ(data->sample_rate, 16000u);
  EXPECT_EQ(data->bytes[5], Unsigned8FromPcm16(static_cast<int16_t>(5 * 31 - 30000)));
}

TEST(AudioLoader, NothingUsableIsAnError) {
  TempDir dir;
  fs::create_directories(dir / "empty");
  EXPECT_FALSE(LoadAudioFolder(dir / "empty", 0, 2048).ok());
  WriteFile(dir / "bad/x.wav", "not audio");
  auto bad = LoadAudioFolder(dir / "bad", 0, 2048);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("no usable audio"), std::string::npos);
  EXPECT_EQ(LoadAudioFolder(dir / "missing", 0, 2048).status().code(), StatusCode::kIOError);
}

// ---- random ----

TEST(RandomBytes, DeterministicAndUniform) {
  const Dataset a = MakeRandomBytes(100003, 42);
  EXPECT_EQ(a.bytes.size(), 100003u);
  EXPECT_EQ(a.bytes, MakeRandomBytes(100003, 42).bytes);
  EXPECT_NE(a.bytes, MakeRandomBytes(100003, 43).bytes);
  // A prefix of a longer run is the shorter run.
  const Dataset b = MakeRandomBytes(17, 42);
  EXPECT_TRUE(std::equal(b.bytes.begin(), b.bytes.end(), a.bytes.begin()));
  std::array<int, 256> counts{};
  for (uint8_t x : a.bytes) ++counts[x];
  for (int c : counts) {
    EXPECT_GT(c, 300);  // expected 390.6
    EXPECT_LT(c, 490);
  }
}

}  // namespace
}  // namespace lmzip
