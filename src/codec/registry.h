// Codecs by name: the classical baselines and lmzip's own models, as the bench and
// the command line name them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lmzip/codec.h"
#include "lmzip/status.h"

namespace lmzip {

struct CodecOptions {
  uint32_t sample_rate = 16000;  // Hz; FLAC labels its stream with it
};

// Creates a codec from its name: one of BaselineCodecNames(), or "lmzip-<model>-<level>"
// for lmzip's own model codec ("lmzip-cm-1" .. "lmzip-cm-9", "lmzip-order0-1").
// InvalidArgument for an unknown name, with the known ones in the message.
Result<std::unique_ptr<Codec>> CreateCodec(std::string_view name, const CodecOptions& options = {});

// "gzip", "lzma2", "lzma2-9e", "zstd", "brotli", "bzip2", "png", "flac".
std::vector<std::string> BaselineCodecNames();

// Every name CreateCodec accepts: the baselines, then lmzip's models at every level.
std::vector<std::string> CodecNames();

// What `lmzip bench` runs by default: the baselines and lmzip-cm-1, -6, -9, lmzip-order0-1.
std::vector<std::string> DefaultBenchCodecNames();

// True for codecs whose streams carry a container header (the classical ones): the
// bench counts that header once per dataset, not once per chunk. False for lmzip's
// headerless model codec.
bool CountsHeaderOnce(std::string_view name);

}  // namespace lmzip
