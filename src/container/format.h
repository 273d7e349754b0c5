// The .lmz byte layout (docs/format.md): serialisation and validating parsers.
// Every parser treats its input as hostile: sizes are bounded before anything is
// allocated, and every field is checked.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lmzip/status.h"

namespace lmzip::format {

inline constexpr uint8_t kMagic[4] = {0x89, 'L', 'M', 'Z'};
inline constexpr uint8_t kFooterMagic[4] = {'L', 'M', 'Z', 0x1A};
inline constexpr uint8_t kFormatVersion = 1;
inline constexpr uint64_t kUnknownSize = ~uint64_t{0};

inline constexpr uint8_t kFrameChunk = 1;
inline constexpr uint8_t kFrameEnd = 2;

inline constexpr uint8_t kMethodModel = 0;   // payload is the model's arithmetic code
inline constexpr uint8_t kMethodStored = 1;  // payload is the raw bytes (model would expand them)
// payload is transformed_size:4, then the model's arithmetic code of the chunk after
// the word transform (codec/word_transform.h), transformed_size bytes
inline constexpr uint8_t kMethodModelWords = 2;

inline constexpr size_t kFixedHeaderSize = 8;     // magic, version, flags, body length
inline constexpr size_t kChunkFrameHeaderSize = 21;
inline constexpr size_t kFooterSize = 12;
inline constexpr size_t kMaxHeaderBody = 4096;
inline constexpr uint64_t kMaxChunks = uint64_t{1} << 32;

struct Header {
  std::string model_name;
  uint8_t model_level = 0;
  uint16_t model_version = 0;
  std::string model_options;  // reserved: "key=value;..." (empty today)
  uint64_t weights_hash = 0;  // 0: the model has no weights
  uint32_t chunk_size = 0;
  uint64_t size_hint = kUnknownSize;  // original size if known when writing
};

struct ChunkFrame {
  uint32_t raw_size = 0;
  uint32_t coded_size = 0;
  uint8_t method = kMethodModel;
  uint64_t raw_hash = 0;  // XXH64 of the chunk's original bytes
};

struct Index {
  uint64_t original_size = 0;
  uint64_t content_hash = 0;  // XXH64 of all original bytes
  std::vector<ChunkFrame> chunks;  // raw_hash not repeated in the index (0 here)
};

void AppendHeader(const Header& h, std::vector<uint8_t>* out);
void AppendChunkFrameHeader(const ChunkFrame& f, std::vector<uint8_t>* out);
// Appends the end frame (type byte, index) and the footer. `end_offset` is the file
// offset at which the end frame starts.
void AppendEnd(const Index& index, uint64_t end_offset, std::vector<uint8_t>* out);

// Parses the 8 fixed bytes; returns the length of the body that follows (which ends
// in a 4-byte checksum).
Result<size_t> ParseFixedHeader(std::span<const uint8_t> fixed);
// Parses the header body (after the fixed 8 bytes, checksum included). `fixed` is
// needed for the checksum.
Result<Header> ParseHeaderBody(std::span<const uint8_t> fixed, std::span<const uint8_t> body);
// Parses a chunk frame header (the 21 bytes after the frame type byte).
Result<ChunkFrame> ParseChunkFrameHeader(std::span<const uint8_t> bytes, uint32_t chunk_size);
// Size of the end frame's body (after the type byte) holding `chunks` entries.
uint64_t EndBodySize(uint64_t chunks);
// Reads the fixed part of the end frame body: original size, hash, chunk count.
inline constexpr size_t kEndFixedSize = 24;
// Parses a whole end frame body (after the type byte).
Result<Index> ParseEndBody(std::span<const uint8_t> body, uint32_t chunk_size);
// Parses the 12-byte footer; returns the end frame's offset.
Result<uint64_t> ParseFooter(std::span<const uint8_t> footer);

uint64_t Hash64(std::span<const uint8_t> data);

}  // namespace lmzip::format
