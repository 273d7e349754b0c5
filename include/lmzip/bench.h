// The evaluation bench: datasets x compressors -> compression rates and speeds, with
// the protocol of "Language Modeling Is Compression" (Deletang et al., 2024, sec. 3.1):
//
//   chunked  every chunk (2048 bytes by default) is compressed on its own; for codecs
//            with a container header the header (the size of C(one zero byte)) is
//            counted once per dataset: counted = sum(chunk streams) - (chunks - 1) * header
//   whole    the dataset's bytes as one stream
//   raw rate       counted bytes / raw bytes
//   adjusted rate  (counted bytes + 2 * parameters + side bytes) / raw bytes
//
// Every chunk is decompressed and compared with its input; a mismatch is an error.
// Rates depend only on the data and the codecs, never on the thread count. Seconds are
// summed over the time each chunk spent in Compress / Decompress (thread time).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lmzip/codec.h"
#include "lmzip/status.h"

namespace lmzip {

struct BenchDataset {
  std::string name;            // table column: "text", "images", "audio", "random", ...
  std::string source;          // where the bytes came from (a path, a seed)
  std::vector<uint8_t> bytes;  // already transformed; chunk boundaries every chunk_size
  uint32_t sample_rate = 16000;  // Hz, for codecs that label audio (FLAC)
};

// Makes the codec called `name` for one dataset.
using BenchCodecFactory =
    std::function<Result<std::unique_ptr<Codec>>(std::string_view name, const BenchDataset& data)>;

struct BenchOptions {
  std::vector<std::string> codecs;  // names, in table order
  size_t chunk_size = 2048;         // bytes
  bool chunked = true;
  bool whole = true;
  int threads = 0;                  // 0: std::thread::hardware_concurrency()
  bool progress = false;            // progress bar on stderr
  // Defaults: CreateCodec(name, {data.sample_rate}) and CountsHeaderOnce(name).
  BenchCodecFactory make_codec;
  std::function<bool(std::string_view codec_name)> counts_header_once;
};

struct BenchRow {
  std::string dataset;
  std::string codec;
  bool chunked = false;
  uint64_t chunk_size = 0;        // 0 for whole-stream rows
  uint64_t chunks = 0;            // streams compressed
  uint64_t raw_bytes = 0;
  uint64_t compressed_bytes = 0;  // sum of the streams as the codec wrote them
  uint64_t header_bytes = 0;      // size of C(one zero byte); 0 when not counted once
  uint64_t counted_bytes = 0;     // compressed_bytes - (chunks - 1) * header_bytes
  uint64_t parameters = 0;
  uint64_t side_bytes = 0;
  double raw_rate = 0;            // counted / raw
  double adjusted_rate = 0;       // (counted + 2 * parameters + side) / raw
  double compress_seconds = 0;
  double decompress_seconds = 0;

  double compress_mb_per_s() const;    // raw megabytes (1e6) per second
  double decompress_mb_per_s() const;
};

struct BenchReport {
  struct DatasetInfo {
    std::string name;
    std::string source;
    uint64_t bytes = 0;
  };
  std::vector<DatasetInfo> datasets;
  std::vector<std::string> codecs;
  size_t chunk_size = 0;
  int threads = 0;
  std::vector<BenchRow> rows;  // codec-major, whole before chunked, datasets in order

  const BenchRow* Find(std::string_view codec, bool chunked, std::string_view dataset) const;
};

// Runs every codec on every dataset, chunked and/or whole, spread over threads.
Result<BenchReport> RunBench(std::span<const BenchDataset> datasets, const BenchOptions& options);

// The paper's Table 1 shape: rows compressor x chunking, columns datasets, raw and
// adjusted rates in percent; then speeds. `with_paper` adds the paper's figures for the
// same compressors (the datasets named text/images/audio/random stand for enwik9,
// ImageNet, LibriSpeech and Random) and its model rows.
std::string FormatTable(const BenchReport& report, bool with_paper);
std::string FormatCsv(const BenchReport& report);
std::string FormatJson(const BenchReport& report);

// Writes rates_whole.png, rates_chunked.png and speed.png (and the gnuplot inputs
// beside them) into `dir` with gnuplot. NotSupported when gnuplot is missing.
Status WritePlots(const BenchReport& report, const std::string& dir,
                  std::vector<std::string>* written);

}  // namespace lmzip
