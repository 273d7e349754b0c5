// Line plots of a study, drawn by gnuplot (an external program: the study writes the
// script with its data inline, beside the PNG, then runs it).
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

#include "study/studies.h"

namespace lmzip::study {
namespace {

struct Series {
  std::string title;
  std::vector<std::pair<double, double>> points;  // sorted by x
  bool lines = true;
};

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

bool HaveGnuplot() { return std::system("gnuplot --version > /dev/null 2>&1") == 0; }

Status Draw(const std::string& dir, const std::string& stem, const std::string& title,
            const std::string& xlabel, const std::string& ylabel, int log_x_base, bool log_y,
            std::vector<Series> series, std::vector<std::string>* written) {
  std::string gp;
  int block = 0;
  for (Series& s : series) {
    std::sort(s.points.begin(), s.points.end());
    gp += fmt::format("$d{} << EOD\n", block++);
    for (const auto& [x, y] : s.points) gp += fmt::format("{} {}\n", x, y);
    gp += "EOD\n";
  }
  const std::string png = dir + "/" + stem + ".png";
  gp += fmt::format("set terminal pngcairo size 900,560 font 'sans,11'\nset output \"{}\"\n", Escape(png));
  gp += fmt::format("set title \"{}\"\nset xlabel \"{}\"\nset ylabel \"{}\"\n", Escape(title),
                    Escape(xlabel), Escape(ylabel));
  gp += "set grid\nset key below\n";
  if (log_x_base > 0) gp += fmt::format("set logscale x {}\n", log_x_base);
  if (log_x_base == 10) gp += "set format x \"10^{%L}\"\n";
  if (log_y) gp += "set logscale y 10\n";
  gp += "plot ";
  for (size_t i = 0; i < series.size(); ++i) {
    gp += fmt::format("{}$d{} using 1:2 with {} title \"{}\"", i ? ", " : "", i,
                      series[i].lines ? "linespoints lw 2" : "points pt 7 ps 1.5", Escape(series[i].title));
  }
  gp += "\n";
  const std::string script = dir + "/" + stem + ".gp";
  {
    std::ofstream out(script, std::ios::binary);
    out << gp;
    if (!out) return Status::IOError(script + ": cannot write");
  }
  const std::string command = "gnuplot \"" + Escape(script) + "\" 2>&1";
  if (std::system(command.c_str()) != 0) return Status::IOError("gnuplot failed on " + script);
  written->push_back(png);
  return Status::Ok();
}

bool IsFamily(const std::string& model) { return model.starts_with("ngram-") || model.starts_with("tf"); }

}  // namespace

Status PlotStudy(const StudyResult& result, const std::string& dir, std::vector<std::string>* written) {
  if (!HaveGnuplot()) return Status::NotSupported("gnuplot is not installed");
  if (result.name == "context") {
    std::vector<std::string> datasets;
    for (const StudyPoint& p : result.points) {
      if (std::find(datasets.begin(), datasets.end(), p.dataset) == datasets.end()) datasets.push_back(p.dataset);
    }
    for (const std::string& d : datasets) {
      std::map<std::string, Series> by_model;
      std::vector<std::string> order;
      for (const StudyPoint& p : result.points) {
        if (p.dataset != d) continue;
        if (!by_model.count(p.model)) order.push_back(p.model);
        by_model[p.model].title = p.model;
        by_model[p.model].points.emplace_back(p.x, 100 * p.raw_rate);
      }
      std::vector<Series> series;
      for (const std::string& m : order) series.push_back(by_model[m]);
      LMZIP_RETURN_IF_ERROR(Draw(dir, "context_" + d, "Rate vs context (chunk size): " + d,
                                 result.x_label, "compression rate, % (lower is better)", 2, false,
                                 std::move(series), written));
    }
    return Status::Ok();
  }
  if (result.name == "scaling") {
    // One line per dataset and family (trained n-grams, transformers); other models as points.
    auto family = [](const std::string& model) { return model.starts_with("ngram-") ? "n-grams" : "transformers"; };
    std::map<std::string, Series> lines, points;
    std::vector<std::string> order;
    for (const StudyPoint& p : result.points) {
      const std::string key = IsFamily(p.model) ? p.dataset + ": trained " + family(p.model) : "";
      if (!key.empty() && !lines.count(key)) order.push_back(key);
      Series& s = !key.empty() ? lines[key] : points[p.dataset + " " + p.model];
      s.title = !key.empty() ? key : p.model + ", " + p.dataset;
      s.lines = !key.empty();
      // Models without parameters sit at x = 1 on the log axis.
      s.points.emplace_back(std::max(1.0, p.x), 100 * p.adjusted_rate);
    }
    std::vector<Series> series;
    for (const std::string& key : order) series.push_back(lines[key]);
    for (auto& [name, s] : points) series.push_back(s);
    return Draw(dir, "scaling", "Adjusted rate vs model size (models with no parameters at 1)",
                "model parameters (2 bytes each)", "adjusted compression rate, % (log)", 10, true,
                std::move(series), written);
  }
  if (result.name == "tokens") {
    std::map<std::string, Series> by;
    for (const StudyPoint& p : result.points) {
      for (const auto& [kind, rate] : {std::pair{"raw", p.raw_rate}, std::pair{"adjusted", p.adjusted_rate}}) {
        Series& s = by[p.model + " " + kind];
        s.title = p.model + ", " + kind + " rate";
        s.points.emplace_back(p.x, 100 * rate);
      }
    }
    std::vector<Series> series;
    for (auto& [name, s] : by) series.push_back(s);
    return Draw(dir, "tokens", "Bytes (256) vs BPE vocabularies, rates on the original bytes",
                result.x_label, "compression rate, % (log)", 2, true, std::move(series), written);
  }
  return Status::InvalidArgument("no plot for study '" + result.name + "'");
}

}  // namespace lmzip::study
