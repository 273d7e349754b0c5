#include "bench/paper_table.h"

#include <array>

namespace lmzip {

std::span<const PaperRow> PaperTable1() {
  static const std::array<PaperRow, 15> kRows = {{
      {"gzip", "gzip", false, 32.3, 70.7, 36.4, 100.0, std::nullopt},
      {"LZMA2", "lzma2", false, 23.0, 57.9, 29.9, 100.0, std::nullopt},
      {"PNG", "png", false, 42.9, 58.5, 32.2, 100.0, std::nullopt},
      {"FLAC", "flac", false, 89.5, 61.9, 30.9, 107.8, std::nullopt},
      {"gzip", "gzip", true, 48.1, 68.6, 38.5, 100.1, std::nullopt},
      {"LZMA2", "lzma2", true, 50.0, 62.4, 38.2, 100.0, std::nullopt},
      {"PNG", "png", true, 80.6, 61.7, 37.6, 103.2, std::nullopt},
      {"FLAC", "flac", true, 88.9, 60.9, 30.3, 107.2, std::nullopt},
      {"Transformer 200K", "", true, 30.9, 194.0, 146.6, 195.5, 30.9},
      {"Transformer 800K", "", true, 21.7, 185.1, 131.1, 200.1, 21.9},
      {"Transformer 3.2M", "", true, 17.0, 215.8, 228.2, 224.0, 17.7},
      {"Llama 2 7B", "", true, 8.9, 53.4, 23.1, 103.2, std::nullopt},
      {"Chinchilla 1B", "", true, 11.3, 62.2, 24.9, 108.8, 211.3},
      {"Chinchilla 7B", "", true, 10.2, 54.7, 23.6, 101.6, 1410.2},
      {"Chinchilla 70B", "", true, 8.3, 48.0, 21.0, 100.8, 14008.3},
  }};
  return kRows;
}

std::optional<double> PaperRate(const PaperRow& row, std::string_view dataset) {
  if (dataset == "text") return row.enwik9;
  if (dataset == "images") return row.imagenet;
  if (dataset == "audio") return row.librispeech;
  if (dataset == "random") return row.random;
  return std::nullopt;
}

}  // namespace lmzip
