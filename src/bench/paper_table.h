// The figures of Table 1 of "Language Modeling Is Compression" (Deletang et al., 2024),
// as listed in PAPER.md: compression rates in percent.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace lmzip {

struct PaperRow {
  std::string_view compressor;  // as the paper names it
  std::string_view lmzip_codec; // the bench codec that stands for it, or empty
  bool chunked;                 // chunks of 2048 bytes, or the whole stream
  double enwik9, imagenet, librispeech, random;  // raw rates, %
  std::optional<double> adjusted_enwik9;         // for the models with weights
};

std::span<const PaperRow> PaperTable1();

// The paper's raw rate for `dataset` ("text", "images", "audio", "random") in `row`,
// or nullopt for a dataset the paper did not measure.
std::optional<double> PaperRate(const PaperRow& row, std::string_view dataset);

}  // namespace lmzip
