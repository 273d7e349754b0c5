// Loaded datasets (src/data) as the bench engine takes them, for `lmzip bench` and its
// studies alike.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "data/dataset.h"
#include "lmzip/bench.h"
#include "lmzip/status.h"

namespace lmzip {

// Moves a loaded dataset into a BenchDataset, printing the loader's warnings (files
// it skipped) on stderr behind `prefix`.
BenchDataset ToBenchDataset(Dataset data, std::string_view prefix);

// Where a run's text, images and audio come from; an empty path is skipped.
struct DatasetSources {
  std::string text, images, audio;
  bool empty() const { return text.empty() && images.empty() && audio.empty(); }
};

// The sample corpora that scripts/setup-corpora.sh puts in `folder`; InvalidArgument
// naming the folder when it is not there.
Result<DatasetSources> CorporaSources(const std::string& folder);

// Byte caps per modality (0: none).
struct DatasetCaps {
  uint64_t text = 0, images = 0, audio = 0;
};

// Loads each named source in the order text, images, audio; audio is cut in
// `audio_chunk`-byte pieces (data/dataset.h). The first loader error ends the load.
Result<std::vector<BenchDataset>> LoadBenchDatasets(const DatasetSources& sources, const DatasetCaps& caps,
                                                    size_t audio_chunk, std::string_view warning_prefix);

}  // namespace lmzip
