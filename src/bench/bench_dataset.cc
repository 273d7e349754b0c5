#include "bench/bench_dataset.h"

#include <fmt/format.h>

#include <filesystem>

namespace lmzip {

BenchDataset ToBenchDataset(Dataset data, std::string_view prefix) {
  BenchDataset d;
  d.name = std::string(ModalityName(data.modality));
  d.source = std::move(data.source);
  d.bytes = std::move(data.bytes);
  if (data.sample_rate != 0) d.sample_rate = data.sample_rate;
  for (const std::string& w : data.warnings) fmt::print(stderr, "{}warning: {}\n", prefix, w);
  return d;
}

Result<DatasetSources> CorporaSources(const std::string& folder) {
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec)) {
    return Status::InvalidArgument("no data named and no sample corpora in '" + folder +
                                   "': run scripts/setup-corpora.sh, or name data with --text/--images/--audio");
  }
  return DatasetSources{folder + "/text/english.txt", folder + "/images", folder + "/audio"};
}

Result<std::vector<BenchDataset>> LoadBenchDatasets(const DatasetSources& sources, const DatasetCaps& caps,
                                                    size_t audio_chunk, std::string_view warning_prefix) {
  std::vector<BenchDataset> out;
  if (!sources.text.empty()) {
    LMZIP_ASSIGN_OR_RETURN(Dataset d, LoadTextFile(sources.text, caps.text));
    out.push_back(ToBenchDataset(std::move(d), warning_prefix));
  }
  if (!sources.images.empty()) {
    LMZIP_ASSIGN_OR_RETURN(Dataset d, LoadImageFolder(sources.images, caps.images));
    out.push_back(ToBenchDataset(std::move(d), warning_prefix));
  }
  if (!sources.audio.empty()) {
    LMZIP_ASSIGN_OR_RETURN(Dataset d, LoadAudioFolder(sources.audio, caps.audio, audio_chunk));
    out.push_back(ToBenchDataset(std::move(d), warning_prefix));
  }
  return out;
}

}  // namespace lmzip
