// Token-id files: text cut into chunks, each chunk tokenized on its own, written by
// lmzip (which links the tokenizer) and read by lmzip-train (which cannot: see
// docs/neural.md). Each chunk keeps the byte count of the text it came from, so that
// losses can be reported in bits per original byte.
//
// Layout, all integers little-endian:
//   "LMZTOKS1"                  8 bytes
//   vocab                       u32: every id is below it (2..nn::kMaxVocabSize)
//   id_bytes                    u32: 2 (vocab <= 65536) or 4
//   chunks                      u64
//   per chunk: tokens, bytes    u32, u32
//   ids                         id_bytes each, chunk after chunk
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lmzip/status.h"

namespace lmzip::nn {

struct TokenChunks {
  uint32_t vocab = 256;
  std::vector<uint32_t> ids;           // every chunk's ids, concatenated
  std::vector<uint32_t> token_counts;  // per chunk
  std::vector<uint32_t> byte_counts;   // per chunk: bytes of original text

  // Appends a chunk of `ids` that encodes `bytes` bytes of text.
  void Add(std::span<const uint32_t> chunk_ids, uint32_t bytes);
  size_t chunks() const { return token_counts.size(); }
  uint64_t total_bytes() const;
};

std::vector<uint8_t> SerializeTokenChunks(const TokenChunks& chunks);
// Treats `data` as hostile: Corruption on any inconsistency (ids >= vocab included).
Result<TokenChunks> ParseTokenChunks(std::span<const uint8_t> data);

Status WriteTokenFile(const std::string& path, const TokenChunks& chunks);
Result<TokenChunks> ReadTokenFile(const std::string& path);

}  // namespace lmzip::nn
