// Text, CSV and JSON renderings of a BenchReport.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "bench/paper_table.h"
#include "lmzip/bench.h"

namespace lmzip {
namespace {

constexpr int kNameWidth = 16;
constexpr int kRateWidth = 8;
constexpr int kSpeedWidth = 15;

std::string Percent(const BenchRow* row, bool adjusted) {
  if (row == nullptr) return "-";
  return fmt::format("{:.1f}", 100.0 * (adjusted ? row->adjusted_rate : row->raw_rate));
}

std::string Megabytes(uint64_t bytes) { return fmt::format("{:.2f} MB", bytes / 1e6); }

const PaperRow* PaperRowFor(std::string_view codec, bool chunked) {
  for (const PaperRow& p : PaperTable1()) {
    if (!p.lmzip_codec.empty() && p.lmzip_codec == codec && p.chunked == chunked) return &p;
  }
  return nullptr;
}

std::string ChunkLabel(bool chunked, size_t chunk_size) {
  return chunked ? std::to_string(chunk_size) : "whole";
}

std::string CsvField(std::string_view s) {
  if (s.find_first_of(",\"\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string FormatTable(const BenchReport& report, bool with_paper) {
  std::string out;
  const size_t n = report.datasets.size();
  out += fmt::format("Compression rate, % of the raw size (lower is better); chunks of {} bytes; "
                     "{} threads\n",
                     report.chunk_size, report.threads);
  for (const auto& d : report.datasets) {
    out += fmt::format("  {:<8} {} ({})\n", d.name, d.source, Megabytes(d.bytes));
  }
  out += "\n";
  const int group = kRateWidth * static_cast<int>(n);
  out += fmt::format("{:<7}{:<{}}{:>10} | {:^{}} | {:^{}}\n", "", "", kNameWidth, "", "raw rate",
                     group, "adjusted rate", group);
  std::string header = fmt::format("{:<7}{:<{}}{:>10} |", "chunk", "compressor", kNameWidth, "params");
  for (int g = 0; g < 2; ++g) {
    for (const auto& d : report.datasets) header += fmt::format("{:>{}}", d.name, kRateWidth);
    header += " |";
  }
  header.pop_back();
  out += header + "\n" + std::string(header.size(), '-') + "\n";
  for (const std::string& codec : report.codecs) {
    for (bool chunked : {false, true}) {
      const BenchRow* any = report.Find(codec, chunked, report.datasets.front().name);
      if (any == nullptr) continue;
      std::string line = fmt::format("{:<7}{:<{}}{:>10} |", ChunkLabel(chunked, report.chunk_size),
                                     codec, kNameWidth, any->parameters);
      for (bool adjusted : {false, true}) {
        for (const auto& d : report.datasets) {
          line += fmt::format("{:>{}}", Percent(report.Find(codec, chunked, d.name), adjusted),
                              kRateWidth);
        }
        line += " |";
      }
      line.pop_back();
      out += line + "\n";
      const PaperRow* paper = with_paper ? PaperRowFor(codec, chunked) : nullptr;
      if (paper != nullptr && (report.chunk_size == 2048 || !chunked)) {
        std::string p = fmt::format("{:<7}{:<{}}{:>10} |", "", "  paper", kNameWidth, "");
        for (const auto& d : report.datasets) {
          const auto rate = PaperRate(*paper, d.name);
          p += fmt::format("{:>{}}", rate ? fmt::format("{:.1f}", *rate) : "", kRateWidth);
        }
        out += p + "\n";
      }
    }
  }
  if (with_paper) {
    out += "\nThe paper's models (chunks of 2048 bytes; text = enwik9, images = ImageNet,\n"
           "audio = LibriSpeech; adjusted rate on enwik9):\n";
    for (const PaperRow& p : PaperTable1()) {
      if (!p.lmzip_codec.empty()) continue;
      out += fmt::format("  {:<18} raw {:>6.1f} {:>6.1f} {:>6.1f} {:>6.1f}   adjusted {}\n",
                         p.compressor, p.enwik9, p.imagenet, p.librispeech, p.random,
                         p.adjusted_enwik9 ? fmt::format("{:.1f}", *p.adjusted_enwik9) : "-");
    }
  }

  out += "\nSpeed, MB of raw data per second per thread (compress / decompress)\n";
  std::string speed_header = fmt::format("{:<7}{:<{}}", "chunk", "compressor", kNameWidth);
  for (const auto& d : report.datasets) speed_header += fmt::format(" {:>{}}", d.name, kSpeedWidth);
  speed_header += fmt::format(" {:>12}", "seconds");
  out += speed_header + "\n" + std::string(speed_header.size(), '-') + "\n";
  for (const std::string& codec : report.codecs) {
    for (bool chunked : {false, true}) {
      if (report.Find(codec, chunked, report.datasets.front().name) == nullptr) continue;
      std::string line =
          fmt::format("{:<7}{:<{}}", ChunkLabel(chunked, report.chunk_size), codec, kNameWidth);
      double seconds = 0;
      for (const auto& d : report.datasets) {
        const BenchRow* r = report.Find(codec, chunked, d.name);
        if (r == nullptr) {
          line += fmt::format(" {:>{}}", "-", kSpeedWidth);
          continue;
        }
        seconds += r->compress_seconds + r->decompress_seconds;
        line += fmt::format(" {:>{}}",
                            fmt::format("{:.3g} / {:.3g}", r->compress_mb_per_s(),
                                        r->decompress_mb_per_s()),
                            kSpeedWidth);
      }
      line += fmt::format(" {:>12.2f}", seconds);
      out += line + "\n";
    }
  }
  return out;
}

std::string FormatCsv(const BenchReport& report) {
  std::string out =
      "dataset,codec,chunking,chunk_size,chunks,raw_bytes,compressed_bytes,header_bytes,"
      "counted_bytes,parameters,side_bytes,raw_rate,adjusted_rate,compress_s,decompress_s,"
      "compress_mb_s,decompress_mb_s\n";
  for (const BenchRow& r : report.rows) {
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{:.6f},{:.6f},{:.4f},{:.4f},{:.3f},{:.3f}\n",
                       CsvField(r.dataset), CsvField(r.codec), r.chunked ? "chunked" : "whole",
                       r.chunk_size, r.chunks, r.raw_bytes, r.compressed_bytes, r.header_bytes,
                       r.counted_bytes, r.parameters, r.side_bytes, r.raw_rate, r.adjusted_rate,
                       r.compress_seconds, r.decompress_seconds, r.compress_mb_per_s(),
                       r.decompress_mb_per_s());
  }
  return out;
}

std::string FormatJson(const BenchReport& report) {
  nlohmann::ordered_json j;
  j["chunk_size"] = report.chunk_size;
  j["threads"] = report.threads;
  j["datasets"] = nlohmann::ordered_json::array();
  for (const auto& d : report.datasets) {
    j["datasets"].push_back({{"name", d.name}, {"source", d.source}, {"bytes", d.bytes}});
  }
  j["codecs"] = report.codecs;
  j["rows"] = nlohmann::ordered_json::array();
  for (const BenchRow& r : report.rows) {
    j["rows"].push_back({{"dataset", r.dataset},
                         {"codec", r.codec},
                         {"chunking", r.chunked ? "chunked" : "whole"},
                         {"chunk_size", r.chunk_size},
                         {"chunks", r.chunks},
                         {"raw_bytes", r.raw_bytes},
                         {"compressed_bytes", r.compressed_bytes},
                         {"header_bytes", r.header_bytes},
                         {"counted_bytes", r.counted_bytes},
                         {"parameters", r.parameters},
                         {"side_bytes", r.side_bytes},
                         {"raw_rate", r.raw_rate},
                         {"adjusted_rate", r.adjusted_rate},
                         {"compress_s", r.compress_seconds},
                         {"decompress_s", r.decompress_seconds},
                         {"compress_mb_s", r.compress_mb_per_s()},
                         {"decompress_mb_s", r.decompress_mb_per_s()}});
  }
  return j.dump(2) + "\n";
}

}  // namespace lmzip
