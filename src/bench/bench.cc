#include "lmzip/bench.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>

#include "codec/registry.h"
#include "util/progress.h"

namespace lmzip {
namespace {

// Chunks per work item: enough to amortise scheduling, few enough to balance threads.
constexpr uint64_t kBytesPerWorkItem = 64 * 1024;

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// One (dataset, codec, mode) cell of the table while it is being measured.
struct Cell {
  const BenchDataset* data = nullptr;
  std::shared_ptr<const Codec> codec;
  BenchRow row;
};

// A run of consecutive streams of one cell: [first, first + count) chunks, or the
// whole dataset. Written by exactly one thread.
struct WorkItem {
  size_t cell = 0;
  uint64_t first = 0;
  uint64_t count = 0;
  bool whole = false;
  uint64_t raw_bytes = 0;
  // Results.
  uint64_t compressed_bytes = 0;
  double compress_seconds = 0;
  double decompress_seconds = 0;
  Status status;
};

Status RoundTrip(const Codec& codec, std::span<const uint8_t> input, WorkItem* item) {
  Clock::time_point start = Clock::now();
  auto packed = codec.Compress(input);
  item->compress_seconds += SecondsSince(start);
  if (!packed.ok()) return packed.status();
  start = Clock::now();
  auto unpacked = codec.Decompress(*packed, input.size());
  item->decompress_seconds += SecondsSince(start);
  if (!unpacked.ok()) return unpacked.status();
  if (unpacked->size() != input.size() ||
      (!input.empty() && std::memcmp(unpacked->data(), input.data(), input.size()) != 0)) {
    return Status::Corruption("round trip mismatch: decompressed bytes differ from the input");
  }
  item->compressed_bytes += packed->size();
  return Status::Ok();
}

void RunItem(const Cell& cell, size_t chunk_size, WorkItem* item, ProgressBar* progress) {
  const std::span<const uint8_t> all(cell.data->bytes);
  if (item->whole) {
    item->status = RoundTrip(*cell.codec, all, item);
    if (!item->status.ok()) item->status = item->status.WithContext("whole stream");
    progress->Add(all.size());
    return;
  }
  for (uint64_t c = item->first; c < item->first + item->count; ++c) {
    const uint64_t begin = c * chunk_size;
    const uint64_t n = std::min<uint64_t>(chunk_size, all.size() - begin);
    item->status = RoundTrip(*cell.codec, all.subspan(begin, n), item);
    if (!item->status.ok()) {
      item->status = item->status.WithContext("chunk " + std::to_string(c));
      return;
    }
    progress->Add(n);
  }
}

void FinishRow(BenchRow* row) {
  const int64_t counted = static_cast<int64_t>(row->compressed_bytes) -
                          static_cast<int64_t>((row->chunks - 1) * row->header_bytes);
  row->counted_bytes = static_cast<uint64_t>(std::max<int64_t>(counted, 0));
  const double raw = static_cast<double>(row->raw_bytes);
  row->raw_rate = static_cast<double>(row->counted_bytes) / raw;
  row->adjusted_rate =
      static_cast<double>(row->counted_bytes + 2 * row->parameters + row->side_bytes) / raw;
}

}  // namespace

double BenchRow::compress_mb_per_s() const {
  return compress_seconds > 0 ? static_cast<double>(raw_bytes) / 1e6 / compress_seconds : 0;
}
double BenchRow::decompress_mb_per_s() const {
  return decompress_seconds > 0 ? static_cast<double>(raw_bytes) / 1e6 / decompress_seconds : 0;
}

const BenchRow* BenchReport::Find(std::string_view codec, bool chunked,
                                  std::string_view dataset) const {
  for (const BenchRow& r : rows) {
    if (r.codec == codec && r.chunked == chunked && r.dataset == dataset) return &r;
  }
  return nullptr;
}

Result<BenchReport> RunBench(std::span<const BenchDataset> datasets, const BenchOptions& options) {
  if (options.chunk_size == 0) return Status::InvalidArgument("chunk size must be > 0");
  if (!options.chunked && !options.whole) {
    return Status::InvalidArgument("nothing to run: both chunked and whole-stream runs are off");
  }
  if (options.codecs.empty()) return Status::InvalidArgument("no codecs to run");
  if (datasets.empty()) return Status::InvalidArgument("no datasets to run");
  const BenchCodecFactory make_codec =
      options.make_codec ? options.make_codec
                         : [](std::string_view name, const BenchDataset& data) {
                             return CreateCodec(name, CodecOptions{data.sample_rate});
                           };
  const auto header_once = options.counts_header_once
                               ? options.counts_header_once
                               : [](std::string_view name) { return CountsHeaderOnce(name); };

  BenchReport report;
  report.codecs = options.codecs;
  report.chunk_size = options.chunk_size;
  report.threads = options.threads > 0
                       ? options.threads
                       : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (const BenchDataset& d : datasets) {
    if (d.bytes.empty()) return Status::InvalidArgument("dataset '" + d.name + "' is empty");
    report.datasets.push_back({d.name, d.source, d.bytes.size()});
  }

  // Cells in table order; work items whole streams first (the longest), then chunks.
  std::vector<Cell> cells;
  std::vector<WorkItem> items;
  std::vector<WorkItem> chunk_items;
  uint64_t total_bytes = 0;
  const uint64_t chunks_per_item = std::max<uint64_t>(1, kBytesPerWorkItem / options.chunk_size);
  for (const std::string& name : options.codecs) {
    for (int mode = 0; mode < 2; ++mode) {
      const bool chunked = mode == 1;
      if (chunked ? !options.chunked : !options.whole) continue;
      for (const BenchDataset& d : datasets) {
        LMZIP_ASSIGN_OR_RETURN(std::unique_ptr<Codec> codec, make_codec(name, d));
        Cell cell;
        cell.data = &d;
        cell.row.dataset = d.name;
        cell.row.codec = name;
        cell.row.chunked = chunked;
        cell.row.chunk_size = chunked ? options.chunk_size : 0;
        cell.row.raw_bytes = d.bytes.size();
        cell.row.chunks = chunked ? (d.bytes.size() + options.chunk_size - 1) / options.chunk_size : 1;
        cell.row.parameters = codec->parameter_count();
        cell.row.side_bytes = codec->side_bytes();
        if (header_once(name)) {
          const uint8_t zero = 0;
          auto header = codec->Compress(std::span<const uint8_t>(&zero, 1));
          if (!header.ok()) return header.status().WithContext(name + ": header size");
          cell.row.header_bytes = header->size();
        }
        cell.codec = std::move(codec);
        const size_t index = cells.size();
        cells.push_back(std::move(cell));
        total_bytes += d.bytes.size();
        if (!chunked) {
          WorkItem item;
          item.cell = index;
          item.whole = true;
          item.raw_bytes = d.bytes.size();
          items.push_back(std::move(item));
          continue;
        }
        const uint64_t chunks = cells[index].row.chunks;
        for (uint64_t first = 0; first < chunks; first += chunks_per_item) {
          WorkItem item;
          item.cell = index;
          item.first = first;
          item.count = std::min(chunks_per_item, chunks - first);
          chunk_items.push_back(std::move(item));
        }
      }
    }
  }
  std::move(chunk_items.begin(), chunk_items.end(), std::back_inserter(items));

  ProgressBar progress("bench", total_bytes, options.progress);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  auto worker = [&]() {
    for (;;) {
      const size_t i = next.fetch_add(1);
      if (i >= items.size() || failed.load()) return;
      RunItem(cells[items[i].cell], options.chunk_size, &items[i], &progress);
      if (!items[i].status.ok()) failed.store(true);
    }
  };
  const int thread_count = std::min<int>(report.threads, static_cast<int>(items.size()));
  std::vector<std::thread> threads;
  for (int t = 1; t < thread_count; ++t) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
  progress.Finish();

  // Merge in item order, so that sums do not depend on which thread ran what.
  for (WorkItem& item : items) {
    Cell& cell = cells[item.cell];
    if (!item.status.ok()) {
      return item.status.WithContext(cell.row.codec + " on " + cell.row.dataset +
                                     (cell.row.chunked ? " (chunked)" : " (whole)"));
    }
    cell.row.compressed_bytes += item.compressed_bytes;
    cell.row.compress_seconds += item.compress_seconds;
    cell.row.decompress_seconds += item.decompress_seconds;
  }
  for (Cell& cell : cells) {
    FinishRow(&cell.row);
    report.rows.push_back(std::move(cell.row));
  }
  return report;
}

}  // namespace lmzip
