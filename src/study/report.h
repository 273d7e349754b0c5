// `lmzip report`: the default bench and the studies at a size that fits a laptop,
// written up as one folder: report.md (with the PNG plots beside it) and report.html
// (self-contained: plots inlined), with the paper's figures beside ours.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lmzip/bench.h"
#include "lmzip/status.h"
#include "study/studies.h"

namespace lmzip::study {

struct ReportOptions {
  std::string out_dir = "report";
  std::vector<BenchDataset> bench_datasets;  // text, images, audio, random
  std::vector<std::string> bench_codecs;     // default: the baselines, cm-1, cm-6, order0
  std::vector<BenchDataset> context_datasets;
  ContextOptions context;
  std::vector<uint8_t> text;                 // for scaling and tokens
  ScalingOptions scaling;
  TokensOptions tokens;
  std::string image_path;                    // generation samples ("" = none)
  std::vector<std::string> generation_models = {"order0", "gzip", "cm-6"};
  int threads = 0;
  bool progress = false;
};

// Runs everything and writes the folder. Returns the files written.
Result<std::vector<std::string>> RunReport(const ReportOptions& options);

}  // namespace lmzip::study
