// Loaded datasets (src/data) as the bench engine takes them.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

#include "data/dataset.h"
#include "lmzip/bench.h"

namespace lmzip {

// Moves a loaded dataset into a BenchDataset, printing the loader's warnings (files
// it skipped) on stderr behind `prefix`.
inline BenchDataset ToBenchDataset(Dataset data, std::string_view prefix) {
  BenchDataset d;
  d.name = std::string(ModalityName(data.modality));
  d.source = std::move(data.source);
  d.bytes = std::move(data.bytes);
  if (data.sample_rate != 0) d.sample_rate = data.sample_rate;
  for (const std::string& w : data.warnings) fmt::print(stderr, "{}warning: {}\n", prefix, w);
  return d;
}

}  // namespace lmzip
