#include "study/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "codec/registry.h"
#include "data/files.h"
#include "generate/generate.h"
#include "generate/media.h"

namespace lmzip::study {
namespace {

std::string Base64(const std::vector<uint8_t>& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = bytes[i] << 16 | bytes[i + 1] << 8 | bytes[i + 2];
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (i < bytes.size()) {
    const uint32_t v = bytes[i] << 16 | (i + 1 < bytes.size() ? bytes[i + 1] << 8 : 0);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string HtmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// The report, built once as blocks, rendered to Markdown and to HTML.
struct Block {
  enum Kind { kHeading, kText, kPre, kTable, kImage } kind;
  std::string text;                            // heading, paragraph, preformatted, image path
  std::vector<std::vector<std::string>> rows;  // tables: the first row is the header
};

class Document {
 public:
  void Heading(std::string t) { blocks_.push_back({Block::kHeading, std::move(t), {}}); }
  void Text(std::string t) { blocks_.push_back({Block::kText, std::move(t), {}}); }
  void Pre(std::string t) { blocks_.push_back({Block::kPre, std::move(t), {}}); }
  void Table(std::vector<std::vector<std::string>> rows) { blocks_.push_back({Block::kTable, "", std::move(rows)}); }
  void Image(std::string file) { blocks_.push_back({Block::kImage, std::move(file), {}}); }

  std::string Markdown() const {
    std::string out;
    for (const Block& b : blocks_) {
      switch (b.kind) {
        case Block::kHeading: out += "## " + b.text + "\n\n"; break;
        case Block::kText: out += b.text + "\n\n"; break;
        case Block::kPre: out += "```\n" + b.text + "```\n\n"; break;
        case Block::kImage: out += "![" + b.text + "](" + b.text + ")\n\n"; break;
        case Block::kTable:
          for (size_t r = 0; r < b.rows.size(); ++r) {
            out += "|";
            for (const std::string& c : b.rows[r]) out += " " + c + " |";
            out += "\n";
            if (r == 0) {
              out += "|";
              for (size_t c = 0; c < b.rows[r].size(); ++c) out += "---|";
              out += "\n";
            }
          }
          out += "\n";
          break;
      }
    }
    return out;
  }

  std::string Html(const std::string& dir, const std::string& title) const {
    std::string out = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + HtmlEscape(title) +
                      "</title><style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;}"
                      "table{border-collapse:collapse}td,th{border:1px solid #aaa;padding:2px 8px;"
                      "text-align:right}pre{background:#f4f4f4;padding:8px;overflow-x:auto}"
                      "img{max-width:100%}</style></head><body>\n<h1>" + HtmlEscape(title) + "</h1>\n";
    for (const Block& b : blocks_) {
      switch (b.kind) {
        case Block::kHeading: out += "<h2>" + HtmlEscape(b.text) + "</h2>\n"; break;
        case Block::kText: out += "<p>" + HtmlEscape(b.text) + "</p>\n"; break;
        case Block::kPre: out += "<pre>" + HtmlEscape(b.text) + "</pre>\n"; break;
        case Block::kImage: {
          auto png = ReadFilePrefix(dir + "/" + b.text, 0);
          if (png.ok()) {
            out += "<p><img alt=\"" + HtmlEscape(b.text) + "\" src=\"data:image/png;base64," + Base64(*png) +
                   "\"></p>\n";
          }
          break;
        }
        case Block::kTable:
          out += "<table>\n";
          for (size_t r = 0; r < b.rows.size(); ++r) {
            out += "<tr>";
            for (const std::string& c : b.rows[r]) {
              out += (r == 0 ? "<th>" : "<td>") + HtmlEscape(c) + (r == 0 ? "</th>" : "</td>");
            }
            out += "</tr>\n";
          }
          out += "</table>\n";
          break;
      }
    }
    return out + "</body></html>\n";
  }

 private:
  std::vector<Block> blocks_;
};

Status WriteText(const std::string& path, const std::string& text, std::vector<std::string>* written) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) return Status::IOError(path + ": cannot write");
  written->push_back(path);
  return Status::Ok();
}

std::string Pct(double rate) { return fmt::format("{:.1f}", 100 * rate); }

// The study as a table: one row per (dataset, model), one column per x.
std::vector<std::vector<std::string>> Pivot(const StudyResult& r, bool adjusted, const std::string& x_name) {
  std::vector<double> xs;
  std::vector<std::pair<std::string, std::string>> keys;
  std::map<std::pair<std::string, std::string>, std::map<double, double>> values;
  for (const StudyPoint& p : r.points) {
    if (std::find(xs.begin(), xs.end(), p.x) == xs.end()) xs.push_back(p.x);
    const auto key = std::pair{p.dataset, p.model};
    if (!values.count(key)) keys.push_back(key);
    values[key][p.x] = adjusted ? p.adjusted_rate : p.raw_rate;
  }
  std::sort(xs.begin(), xs.end());
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"dataset", "model"};
  for (double x : xs) header.push_back(x_name + " " + fmt::format("{}", x));
  rows.push_back(header);
  for (const auto& key : keys) {
    std::vector<std::string> row = {key.first, key.second};
    for (double x : xs) {
      const auto& m = values[key];
      row.push_back(m.count(x) ? Pct(m.at(x)) : "");
    }
    rows.push_back(row);
  }
  return rows;
}

// Rows: models with their parameters; columns: datasets, in order of appearance.
std::vector<std::vector<std::string>> ByDataset(const StudyResult& r, bool adjusted) {
  std::vector<std::string> datasets, models;
  std::map<std::string, uint64_t> params;
  std::map<std::pair<std::string, std::string>, double> values;
  for (const StudyPoint& p : r.points) {
    if (std::find(datasets.begin(), datasets.end(), p.dataset) == datasets.end()) datasets.push_back(p.dataset);
    if (std::find(models.begin(), models.end(), p.model) == models.end()) models.push_back(p.model);
    params[p.model] = p.parameters;
    values[{p.model, p.dataset}] = adjusted ? p.adjusted_rate : p.raw_rate;
  }
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"model", "parameters"};
  header.insert(header.end(), datasets.begin(), datasets.end());
  rows.push_back(header);
  for (const std::string& m : models) {
    std::vector<std::string> row = {m, fmt::format("{}", params[m])};
    for (const std::string& d : datasets) row.push_back(values.count({m, d}) ? Pct(values[{m, d}]) : "");
    rows.push_back(row);
  }
  return rows;
}

std::string Printable(const std::vector<uint8_t>& bytes) {
  std::string out;
  for (uint8_t b : bytes) {
    if (b == '\n') {
      out += "\\n";
    } else {
      out += b >= 32 && b < 127 && b != '|' ? static_cast<char>(b) : '.';
    }
  }
  return out;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

Result<std::vector<std::string>> RunReport(const ReportOptions& options) {
  std::vector<std::string> written;
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (ec) return Status::IOError(options.out_dir + ": " + ec.message());
  const std::string& dir = options.out_dir;
  Document doc;
  doc.Text("Every number below comes from lmzip's own runs on the data named with it; the paper's "
           "figures (Deletang et al., \"Language Modeling Is Compression\", ICLR 2024) are quoted "
           "from its Table 1 and findings. Rates are compressed size / raw size, lower is better; the "
           "adjusted rate adds 2 bytes per model parameter and any tokenizer or primed state.");
  // A study's CSV goes into `dir`; its plots are shown when gnuplot could draw them.
  auto save_study = [&](const StudyResult& result, const std::string& name) -> Result<std::vector<std::string>> {
    LMZIP_RETURN_IF_ERROR(WriteText(dir + "/" + name + ".csv", StudyCsv(result), &written));
    std::vector<std::string> plots;
    if (!PlotStudy(result, dir, &plots).ok()) plots.clear();
    return plots;
  };
  auto show_plots = [&](const std::vector<std::string>& plots) {
    for (const std::string& p : plots) doc.Image(std::filesystem::path(p).filename().string());
  };

  // ---- Table 1 ----
  auto t0 = std::chrono::steady_clock::now();
  BenchReport bench;
  if (!options.bench_datasets.empty()) {
    BenchOptions b;
    b.codecs = options.bench_codecs.empty() ? std::vector<std::string>{"gzip", "lzma2", "zstd", "brotli",
                                                                       "bzip2", "png", "flac", "lmzip-order0-1",
                                                                       "lmzip-cm-1", "lmzip-cm-6"}
                                            : options.bench_codecs;
    b.threads = options.threads;
    b.progress = options.progress;
    LMZIP_ASSIGN_OR_RETURN(bench, RunBench(options.bench_datasets, b));
    LMZIP_RETURN_IF_ERROR(WriteText(dir + "/bench.csv", FormatCsv(bench), &written));
    std::vector<std::string> plots;
    const Status plotted = WritePlots(bench, dir, &plots);
    doc.Heading("Table 1: rates on text, images, audio and random bytes");
    std::string sources;
    for (const auto& d : bench.datasets) sources += fmt::format("{}: {} bytes of {}. ", d.name, d.bytes, d.source);
    doc.Text(sources + fmt::format("Chunks of {} bytes; whole streams too. ({:.0f} s)", bench.chunk_size,
                                   Seconds(t0)));
    doc.Pre(FormatTable(bench, /*with_paper=*/true));
    if (plotted.ok()) show_plots(plots);
    std::string best;
    for (const auto& d : bench.datasets) {
      const BenchRow* top = nullptr;
      for (const BenchRow& row : bench.rows) {
        if (row.chunked && row.dataset == d.name && (top == nullptr || row.adjusted_rate < top->adjusted_rate)) {
          top = &row;
        }
      }
      if (top != nullptr) best += fmt::format("{}: {} {}%; ", d.name, top->codec, Pct(top->adjusted_rate));
    }
    doc.Text("Best on 2048-byte chunks: " + best +
             "Reading: the classical codecs land near the paper's figures on every modality (the paper's "
             "columns are enwik9, ImageNet and LibriSpeech; ours are small public-domain stand-ins, so "
             "the levels differ by a few points). The paper's transformers, trained on text only, go "
             "far above 100% on images and audio; lmzip's context-mixing models need no weights, learn "
             "from each chunk itself, and stay close to the best classical codec on every modality "
             "(the best one is named above) and at 100% on random bytes.");
  }

  // ---- context ----
  if (!options.context_datasets.empty()) {
    t0 = std::chrono::steady_clock::now();
    ContextOptions c = options.context;
    c.threads = options.threads;
    c.progress = options.progress;
    LMZIP_ASSIGN_OR_RETURN(StudyResult context, RunContextStudy(options.context_datasets, c));
    LMZIP_ASSIGN_OR_RETURN(const std::vector<std::string> plots, save_study(context, "context"));
    doc.Heading("In-context learning: rate vs chunk size");
    doc.Text(fmt::format("Paper (finding 2): the rate falls as the context grows, for every modality, "
                         "and large models gain most. Ours ({:.0f} s):", Seconds(t0)));
    doc.Table(Pivot(context, false, "chunk"));
    show_plots(plots);
    for (const std::string& n : context.notes) doc.Text("Data: " + n);
    doc.Text("Reading: as in the paper, rates fall as the context grows, on every modality, and the "
             "adaptive context-mixing models are lowest at every length. Text gains the most (repeats "
             "of words and phrases need a long history); images and audio flatten beyond 1-2 kB, where "
             "the useful context is a few rows or a few milliseconds. One exception is not the model's: "
             "beyond 2048 bytes an image chunk joins patches from different places, which gzip's "
             "32 kB window handles worse than one patch.");
  }

  // ---- scaling ----
  if (!options.text.empty()) {
    t0 = std::chrono::steady_clock::now();
    ScalingOptions s = options.scaling;
    s.threads = options.threads;
    s.progress = options.progress;
    LMZIP_ASSIGN_OR_RETURN(StudyResult scaling, RunScalingStudy(options.text, s));
    LMZIP_ASSIGN_OR_RETURN(const std::vector<std::string> plots, save_study(scaling, "scaling"));
    doc.Heading("Scaling: adjusted rate vs model size");
    doc.Text(fmt::format("Paper (finding 1): on enwik7, enwik8 and enwik9 each data size has an optimal "
                         "model size, and larger data affords larger models (its 200K/800K/3.2M "
                         "transformers: adjusted 30.9/21.9/17.7% on enwik9). Ours, adjusted rates ({:.0f} s):",
                         Seconds(t0)));
    doc.Table(ByDataset(scaling, true));
    show_plots(plots);
    for (const std::string& n : scaling.notes) doc.Text(n);
    doc.Text("Reading: the trained n-gram family shows the paper's shape: each step up in order lowers "
             "the raw rate but multiplies the table, so the smallest dataset is best served by a small "
             "model and the optimum moves to larger models as the data grows 10x and 100x (the notes "
             "above name each optimum). The transformers (tf-WIDTHxLAYERS, trained on the same "
             "text when lmzip-train is built) show it too: their parameters are paid once per "
             "dataset, so the best size grows with the data. The "
             "context-mixing models carry no weights, so their adjusted rate equals their raw rate at "
             "every data size: they are the laptop-scale answer that the paper's finding points to.");
  }

  // ---- tokens ----
  if (!options.text.empty()) {
    t0 = std::chrono::steady_clock::now();
    TokensOptions tk = options.tokens;
    tk.threads = options.threads;
    tk.progress = options.progress;
    LMZIP_ASSIGN_OR_RETURN(StudyResult tokens, RunTokensStudy(options.text, tk));
    LMZIP_ASSIGN_OR_RETURN(const std::vector<std::string> plots, save_study(tokens, "tokens"));
    doc.Heading("Tokenization: bytes vs BPE vocabularies (Table 2's shape)");
    doc.Text(fmt::format("Paper (finding 3): with vocabularies of 1K to 20K BPE tokens, more tokens help "
                         "small models and hurt bigger ones. Ours, a small (order-1) and a larger "
                         "(order-2) trained n-gram over the tokens and, when lmzip-train is built, a small "
                         "and a larger transformer (tf-WIDTHxLAYERS), rates on the original bytes, the "
                         "tokenizer's size in the adjusted rate ({:.0f} s):", Seconds(t0)));
    std::vector<std::vector<std::string>> rows = {
        {"vocabulary", "model", "tokens/byte", "parameters", "tokenizer B", "raw %", "adjusted %"}};
    for (const StudyPoint& p : tokens.points) {
      rows.push_back({p.x == 256 ? "bytes" : fmt::format("{}", p.x), p.model, fmt::format("{:.3f}", p.tokens_per_byte),
                      fmt::format("{}", p.parameters), fmt::format("{}", p.side_bytes), Pct(p.raw_rate),
                      Pct(p.adjusted_rate)});
    }
    doc.Table(rows);
    show_plots(plots);
    for (const std::string& n : tokens.notes) doc.Text(n);
    doc.Text("Reading: tokens pack several bytes into one prediction, which helps a model whose context "
             "is short: the order-1 model sees a word piece instead of one letter and gains the most, "
             "as the paper found for small transformers. The larger model gains less, and with the "
             "largest vocabularies its contexts become rare and it falls back toward (or past) its "
             "byte-level rate, the paper's second half of the finding. Counted with the tokenizer and "
             "the tables, every token row costs more than bytes at this data size. The transformer rows "
             "are trained for a fixed number of steps per vocabulary, so a token model sees more text "
             "than the byte model (about 1/tokens-per-byte times as much), as in the paper's setup; "
             "their embedding and output tables grow with the vocabulary, which the adjusted rate "
             "counts.");
  }

  // ---- generation ----
  if (!options.text.empty() || !options.image_path.empty()) {
    doc.Heading("Compressors as generative models");
    doc.Text("Paper (finding 4): any compressor is a conditional generative model; gzip gives noisy "
             "samples, strong models plausible ones. Each row below continues the same 1948 bytes of "
             "text with 100 drawn bytes (seed 1, temperature 1).");
    const size_t context_bytes = std::min<size_t>(1948, options.text.size());
    const std::vector<uint8_t> context(options.text.begin(), options.text.begin() + static_cast<std::ptrdiff_t>(context_bytes));
    std::vector<std::vector<std::string>> rows = {{"model", "continuation"}};
    rows.push_back({"(the text)", Printable(std::vector<uint8_t>(
                                      options.text.begin() + static_cast<std::ptrdiff_t>(context_bytes),
                                      options.text.begin() + static_cast<std::ptrdiff_t>(std::min(options.text.size(), context_bytes + 100))))});
    for (const std::string& ref : options.generation_models) {
      generate::ModelOptions mo;
      mo.expected_bytes = context_bytes + 100;
      LMZIP_ASSIGN_OR_RETURN(auto model, generate::CreateNextByteModel(ref, mo));
      generate::Sampler sampler(generate::SampleOptions{});
      LMZIP_ASSIGN_OR_RETURN(auto drawn, generate::ContinueBytes(*model, context, 100, sampler));
      rows.push_back({model->name(), Printable(drawn)});
    }
    doc.Table(rows);
    if (!options.image_path.empty()) {
      LMZIP_ASSIGN_OR_RETURN(GrayImage full, generate::LoadGrayImage(options.image_path));
      const uint32_t w = std::min<uint32_t>(64, full.width), h = std::min<uint32_t>(32, full.height);
      LMZIP_ASSIGN_OR_RETURN(GrayImage crop, generate::CropGray(full, (full.width - w) / 2, (full.height - h) / 2, w, h));
      doc.Text("Image rows completed from their left halves (left: original; right: the model's), " +
               options.image_path + ", centre " + std::to_string(w) + "x" + std::to_string(h) + ":");
      for (const std::string& ref : options.generation_models) {
        generate::ModelOptions mo;
        mo.expected_bytes = crop.pixels.size();
        LMZIP_ASSIGN_OR_RETURN(auto model, generate::CreateNextByteModel(ref, mo));
        generate::Sampler sampler(generate::SampleOptions{});
        LMZIP_ASSIGN_OR_RETURN(GrayImage done, generate::CompleteRows(*model, crop, sampler));
        LMZIP_ASSIGN_OR_RETURN(GrayImage pair, generate::SideBySide(crop, done, 4));
        // Enlarged 4x (nearest neighbour) so that the 32-row crop is visible.
        GrayImage big;
        big.width = pair.width * 4;
        big.height = pair.height * 4;
        big.pixels.resize(size_t{big.width} * big.height);
        for (uint32_t y = 0; y < big.height; ++y) {
          for (uint32_t x = 0; x < big.width; ++x) big.pixels[size_t{y} * big.width + x] = pair.pixels[size_t{y / 4} * pair.width + x / 4];
        }
        const std::string file = "generate_image_" + model->name() + ".png";
        LMZIP_RETURN_IF_ERROR(generate::WriteGrayPng(dir + "/" + file, big));
        written.push_back(dir + "/" + file);
        doc.Text(model->name() + ":");
        doc.Image(file);
      }
    }
  }

  const std::string title = "lmzip: the paper's findings, rerun";
  LMZIP_RETURN_IF_ERROR(WriteText(dir + "/report.md", "# " + title + "\n\n" + doc.Markdown(), &written));
  LMZIP_RETURN_IF_ERROR(WriteText(dir + "/report.html", doc.Html(dir, title), &written));
  return written;
}

}  // namespace lmzip::study
