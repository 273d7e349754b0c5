// Bar charts of a BenchReport, drawn by gnuplot (an external program: the bench
// writes the data and the script, then runs it).
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

#include "lmzip/bench.h"

namespace lmzip {
namespace {

struct PipeCloser {
  void operator()(FILE* f) const { pclose(f); }
};

std::string Run(const std::string& command) {
  std::unique_ptr<FILE, PipeCloser> pipe(popen(command.c_str(), "r"));
  if (!pipe) return {};
  std::string out;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe.get())) > 0) out.append(buffer, n);
  return out;
}

// "pngcairo" when this gnuplot has it, else "png"; empty when gnuplot is missing.
std::string PngTerminal() {
  const std::string terminals = Run("gnuplot -e 'set terminal' 2>&1");
  if (terminals.find("pngcairo") != std::string::npos) return "pngcairo";
  if (terminals.find(" png ") != std::string::npos) return "png";
  return {};
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) return Status::IOError(path + ": cannot write");
  return Status::Ok();
}

// One clustered bar chart: a cluster per codec, a bar per dataset.
Status Chart(const BenchReport& report, const std::string& dir, const std::string& stem,
             const std::string& title, const std::string& ylabel, bool log_scale,
             const std::string& terminal, double (*value)(const BenchRow&), bool chunked,
             std::vector<std::string>* written) {
  std::string data = "codec";
  for (const auto& d : report.datasets) data += "\t" + d.name;
  data += "\n";
  bool any = false;
  for (const std::string& codec : report.codecs) {
    std::string line = codec;
    for (const auto& d : report.datasets) {
      const BenchRow* r = report.Find(codec, chunked, d.name);
      line += r != nullptr ? fmt::format("\t{:.4f}", value(*r)) : "\t?";
      any = any || r != nullptr;
    }
    data += line + "\n";
  }
  if (!any) return Status::Ok();
  const std::string dat = dir + "/" + stem + ".dat";
  const std::string png = dir + "/" + stem + ".png";
  const std::string gp = dir + "/" + stem + ".gp";
  LMZIP_RETURN_IF_ERROR(WriteText(dat, data));
  std::string script = fmt::format(
      "set terminal {} size 1400,650 noenhanced\n"
      "set output {}\n"
      "set title {}\n"
      "set ylabel {}\n"
      "set style data histograms\n"
      "set style histogram clustered gap 1\n"
      "set style fill solid 0.85 border -1\n"
      "set boxwidth 0.9\n"
      "set grid ytics\n"
      "set xtics rotate by -35 scale 0\n"
      "set key outside right top\n"
      "set datafile missing '?'\n"
      "set datafile separator '\\t'\n"
      "{}\n"
      "plot for [i=2:{}] {} using i:xtic(1) title columnheader(i)\n",
      terminal, Quote(png), Quote(title), Quote(ylabel),
      log_scale ? "set logscale y" : "set yrange [0:*]", report.datasets.size() + 1, Quote(dat));
  LMZIP_RETURN_IF_ERROR(WriteText(gp, script));
  const std::string errors = Run("gnuplot " + Quote(gp) + " 2>&1");
  if (!std::filesystem::exists(png)) {
    return Status::IOError("gnuplot did not draw " + png + ": " + errors);
  }
  written->push_back(png);
  return Status::Ok();
}

}  // namespace

Status WritePlots(const BenchReport& report, const std::string& dir,
                  std::vector<std::string>* written) {
  const std::string terminal = PngTerminal();
  if (terminal.empty()) {
    return Status::NotSupported("gnuplot with a png terminal was not found (apt-get install gnuplot-nox)");
  }
  auto raw_percent = [](const BenchRow& r) { return 100.0 * r.raw_rate; };
  auto adjusted_percent = [](const BenchRow& r) { return 100.0 * r.adjusted_rate; };
  auto compress_speed = [](const BenchRow& r) { return r.compress_mb_per_s(); };
  LMZIP_RETURN_IF_ERROR(Chart(report, dir, "rates_whole", "Raw compression rate, whole stream (lower is better)",
                              "rate (%)", false, terminal, raw_percent, false, written));
  LMZIP_RETURN_IF_ERROR(Chart(report, dir, "rates_chunked",
                              fmt::format("Raw compression rate, chunks of {} bytes (lower is better)",
                                          report.chunk_size),
                              "rate (%)", false, terminal, raw_percent, true, written));
  LMZIP_RETURN_IF_ERROR(Chart(report, dir, "adjusted_chunked",
                              fmt::format("Adjusted compression rate (2 bytes per parameter), chunks of "
                                          "{} bytes",
                                          report.chunk_size),
                              "rate (%)", true, terminal, adjusted_percent, true, written));
  LMZIP_RETURN_IF_ERROR(Chart(report, dir, "speed_chunked",
                              fmt::format("Compression speed per thread, chunks of {} bytes",
                                          report.chunk_size),
                              "MB/s", true, terminal, compress_speed, true, written));
  return Status::Ok();
}

}  // namespace lmzip
