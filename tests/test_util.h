// Helpers shared by the tests: temporary directories and deterministic data.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace lmzip::testing {

// A fresh directory removed (with its contents) at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lmzip-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data()) ? tmpl : "";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::vector<uint8_t> RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> v(n);
  for (uint8_t& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

// English-like text: words drawn from a small vocabulary by a seeded generator.
inline std::vector<uint8_t> TextBytes(size_t n, uint64_t seed) {
  static const char* kWords[] = {"the", "whale", "sea", "of", "and", "a", "ship", "captain",
                                 "to", "in", "that", "his", "was", "white", "Ahab", "said",
                                 "upon", "with", "it", "boat", "harpoon", "Queequeg", "is"};
  std::mt19937_64 rng(seed);
  std::string s;
  while (s.size() < n) {
    s += kWords[rng() % (sizeof kWords / sizeof *kWords)];
    s += (rng() % 12 == 0) ? ".\n" : " ";
  }
  s.resize(n);
  return {s.begin(), s.end()};
}

inline std::vector<uint8_t> ReadFileBytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

inline void WriteFileBytes(const std::string& path, const std::vector<uint8_t>& data) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

}  // namespace lmzip::testing
