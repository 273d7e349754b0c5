// `lmzip generate`: any model or compressor as a generative model. Text continues a
// context; images complete the right half of each row; audio continues a clip.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "codec/registry.h"
#include "data/files.h"
#include "generate/generate.h"
#include "generate/media.h"
#include "lmzip/model.h"

namespace {

namespace gen = lmzip::generate;

void Error(const std::string& msg) { fmt::print(stderr, "lmzip generate: {}\n", msg); }

struct Common {
  std::string model = "cm-6";
  gen::SampleOptions sample;
  size_t window = 2048;
};

void AddCommon(CLI::App* app, Common* c) {
  app->add_option("-m,--model", c->model,
                  "cm[-LEVEL], order0, a codec (gzip, lzma2, zstd, brotli, bzip2, ...) or FILE.gguf")
      ->capture_default_str();
  app->add_option("-t,--temperature", c->sample.temperature, "Sampling temperature (0: greedy)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 100.0));
  app->add_option("-k,--top-k", c->sample.top_k, "Keep the k most probable bytes (0: all)")
      ->capture_default_str()
      ->check(CLI::Range(0, 256));
  app->add_option("-s,--seed", c->sample.seed, "Random seed: same seed, same output")->capture_default_str();
  app->add_option("--window", c->window,
                  "Codecs as models: bytes of history they compress (0: all)")
      ->capture_default_str();
}

lmzip::Result<std::unique_ptr<gen::NextByteModel>> MakeModel(const Common& c, uint64_t bytes) {
  gen::ModelOptions options;
  options.expected_bytes = bytes;
  options.codec_window = c.window;
  return gen::CreateNextByteModel(c.model, options);
}

std::string Stem(const std::string& path) { return std::filesystem::path(path).stem().string(); }

}  // namespace

int GenerateMain(int argc, char** argv) {
  CLI::App app{
      "Samples from a model conditioned on real data. Every lmzip model works, and so does\n"
      "every compressor, as p(b | x) ~ 2^-(len C(x b) - len C(x)).",
      "lmzip generate"};
  app.require_subcommand(1);
  bool list = false;
  app.add_flag("--list-models", list, "List the model names and exit");

  Common text_opts, image_opts, audio_opts;
  std::string context_path, prompt, text_out;
  uint64_t text_offset = 0;
  size_t text_context = 1948, text_count = 100;
  CLI::App* text = app.add_subcommand("text", "Continue a text (the paper: 1948 bytes of context, 100 drawn)");
  AddCommon(text, &text_opts);
  text->add_option("-c,--context", context_path, "File whose bytes are the context");
  text->add_option("-p,--prompt", prompt, "The context as a string (after --context's bytes)");
  text->add_option("--offset", text_offset, "Where in --context the context starts")->capture_default_str();
  text->add_option("--context-bytes", text_context, "Bytes of --context to use")->capture_default_str();
  text->add_option("-n,--bytes", text_count, "Bytes to draw")->capture_default_str();
  text->add_option("-o,--output", text_out, "Write context and continuation here (default: stdout)");

  std::string image_path, image_out;
  uint32_t rows = 32, cols = 64;
  int64_t crop_x = -1, crop_y = -1;
  CLI::App* image = app.add_subcommand(
      "image", "Complete each row of a grayscale crop from its left half; writes original | generated PNG");
  AddCommon(image, &image_opts);
  image->add_option("image", image_path, "PNG or JPEG")->required();
  image->add_option("--rows", rows, "Crop height")->capture_default_str()->check(CLI::Range(1, 4096));
  image->add_option("--cols", cols, "Crop width")->capture_default_str()->check(CLI::Range(2, 4096));
  image->add_option("-x", crop_x, "Crop left edge (default: centred)");
  image->add_option("-y", crop_y, "Crop top edge (default: centred)");
  image->add_option("-o,--output", image_out, "PNG to write (default: STEM.MODEL.png beside the image)");

  std::string audio_path, audio_out;
  uint64_t audio_offset = 0;
  size_t audio_context = 1948, audio_count = 100;
  CLI::App* audio = app.add_subcommand(
      "audio", "Continue an audio clip (8-bit samples); writes the original and the continuation as WAV");
  AddCommon(audio, &audio_opts);
  audio->add_option("clip", audio_path, "WAV, FLAC, or 16 kHz 16-bit .raw")->required();
  audio->add_option("--offset", audio_offset, "First sample of the context")->capture_default_str();
  audio->add_option("--context-bytes", audio_context, "Samples of context")->capture_default_str();
  audio->add_option("-n,--bytes", audio_count, "Samples to draw")->capture_default_str();
  audio->add_option("-o,--output", audio_out,
                    "WAV prefix: writes PREFIX.original.wav and PREFIX.generated.wav "
                    "(default: STEM.MODEL beside the clip)");
  // --list-models works without a subcommand.
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--list-models") {
      for (const std::string& n : lmzip::ModelNames()) fmt::print("{}\n", n);
      for (const std::string& n : lmzip::BaselineCodecNames()) fmt::print("{}\n", n);
      fmt::print("FILE.gguf{}\n", gen::TransformerFamily().empty() ? " (not in this build)" : "");
      return 0;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  if (text->parsed()) {
    std::vector<uint8_t> context;
    if (!context_path.empty()) {
      auto bytes = lmzip::ReadFilePrefix(context_path, text_offset + text_context);
      if (!bytes.ok()) {
        Error(bytes.status().ToString());
        return 1;
      }
      if (bytes->size() > text_offset) context.assign(bytes->begin() + static_cast<std::ptrdiff_t>(text_offset), bytes->end());
    }
    context.insert(context.end(), prompt.begin(), prompt.end());
    auto model = MakeModel(text_opts, context.size() + text_count);
    if (!model.ok()) {
      Error(model.status().ToString());
      return 2;
    }
    gen::Sampler sampler(text_opts.sample);
    auto drawn = gen::ContinueBytes(**model, context, text_count, sampler);
    if (!drawn.ok()) {
      Error(drawn.status().ToString());
      return 1;
    }
    if (text_out.empty()) {
      std::fwrite(drawn->data(), 1, drawn->size(), stdout);
      std::fputc('\n', stdout);
    } else {
      std::ofstream out(text_out, std::ios::binary);
      out.write(reinterpret_cast<const char*>(context.data()), static_cast<std::streamsize>(context.size()));
      out.write(reinterpret_cast<const char*>(drawn->data()), static_cast<std::streamsize>(drawn->size()));
      if (!out) {
        Error(text_out + ": cannot write");
        return 1;
      }
      fmt::print(stderr, "lmzip generate: wrote {} ({} context + {} drawn bytes)\n", text_out,
                 context.size(), drawn->size());
    }
    return 0;
  }

  if (image->parsed()) {
    auto full = gen::LoadGrayImage(image_path);
    if (!full.ok()) {
      Error(full.status().ToString());
      return 1;
    }
    const uint32_t w = std::min(cols, full->width), h = std::min(rows, full->height);
    const uint32_t x = crop_x >= 0 ? static_cast<uint32_t>(crop_x) : (full->width - w) / 2;
    const uint32_t y = crop_y >= 0 ? static_cast<uint32_t>(crop_y) : (full->height - h) / 2;
    auto crop = gen::CropGray(*full, x, y, w, h);
    if (!crop.ok()) {
      Error(crop.status().ToString());
      return 2;
    }
    auto model = MakeModel(image_opts, crop->pixels.size());
    if (!model.ok()) {
      Error(model.status().ToString());
      return 2;
    }
    gen::Sampler sampler(image_opts.sample);
    auto done = gen::CompleteRows(**model, *crop, sampler);
    if (!done.ok()) {
      Error(done.status().ToString());
      return 1;
    }
    auto pair = gen::SideBySide(*crop, *done, 4);
    if (image_out.empty()) {
      image_out = (std::filesystem::path(image_path).parent_path() /
                   (Stem(image_path) + "." + (*model)->name() + ".png")).string();
    }
    const lmzip::Status s = pair.ok() ? gen::WriteGrayPng(image_out, *pair) : pair.status();
    if (!s.ok()) {
      Error(s.ToString());
      return 1;
    }
    fmt::print(stderr, "lmzip generate: wrote {} (original | {} completion, {}x{} crop at {},{})\n",
               image_out, (*model)->name(), w, h, x, y);
    return 0;
  }

  // audio
  auto clip = gen::LoadAudioClip(audio_path);
  if (!clip.ok()) {
    Error(clip.status().ToString());
    return 1;
  }
  if (audio_offset + audio_context > clip->samples.size()) {
    Error(fmt::format("{} has {} samples, fewer than --offset + --context-bytes", audio_path,
                      clip->samples.size()));
    return 2;
  }
  const auto first = clip->samples.begin() + static_cast<std::ptrdiff_t>(audio_offset);
  const std::vector<uint8_t> context(first, first + static_cast<std::ptrdiff_t>(audio_context));
  auto model = MakeModel(audio_opts, audio_context + audio_count);
  if (!model.ok()) {
    Error(model.status().ToString());
    return 2;
  }
  gen::Sampler sampler(audio_opts.sample);
  auto drawn = gen::ContinueBytes(**model, context, audio_count, sampler);
  if (!drawn.ok()) {
    Error(drawn.status().ToString());
    return 1;
  }
  if (audio_out.empty()) {
    audio_out = (std::filesystem::path(audio_path).parent_path() /
                 (Stem(audio_path) + "." + (*model)->name())).string();
  }
  const size_t true_end = std::min(clip->samples.size(), audio_offset + audio_context + audio_count);
  const std::vector<uint8_t> original(first, clip->samples.begin() + static_cast<std::ptrdiff_t>(true_end));
  std::vector<uint8_t> generated = context;
  generated.insert(generated.end(), drawn->begin(), drawn->end());
  const std::vector<uint8_t>& continued = generated;
  for (const auto& [suffix, samples] : {std::pair{".original.wav", &original},
                                        std::pair{".generated.wav", &continued}}) {
    const lmzip::Status s = gen::WriteWav8(audio_out + suffix, *samples, clip->sample_rate);
    if (!s.ok()) {
      Error(s.ToString());
      return 1;
    }
    fmt::print(stderr, "lmzip generate: wrote {}{}\n", audio_out, suffix);
  }
  return 0;
}
