#include "nn/token_file.h"

#include <cstring>
#include <fstream>
#include <iterator>

#include "nn/transformer_weights.h"

namespace lmzip::nn {
namespace {

constexpr char kMagic[8] = {'L', 'M', 'Z', 'T', 'O', 'K', 'S', '1'};

void Put(std::vector<uint8_t>* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint64_t Get(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

}  // namespace

void TokenChunks::Add(std::span<const uint32_t> chunk_ids, uint32_t bytes) {
  ids.insert(ids.end(), chunk_ids.begin(), chunk_ids.end());
  token_counts.push_back(static_cast<uint32_t>(chunk_ids.size()));
  byte_counts.push_back(bytes);
}

uint64_t TokenChunks::total_bytes() const {
  uint64_t total = 0;
  for (uint32_t b : byte_counts) total += b;
  return total;
}

std::vector<uint8_t> SerializeTokenChunks(const TokenChunks& c) {
  const int id_bytes = c.vocab <= 65536 ? 2 : 4;
  std::vector<uint8_t> out(kMagic, kMagic + sizeof kMagic);
  Put(&out, c.vocab, 4);
  Put(&out, static_cast<uint64_t>(id_bytes), 4);
  Put(&out, c.chunks(), 8);
  for (size_t i = 0; i < c.chunks(); ++i) {
    Put(&out, c.token_counts[i], 4);
    Put(&out, c.byte_counts[i], 4);
  }
  out.reserve(out.size() + c.ids.size() * static_cast<size_t>(id_bytes));
  for (uint32_t id : c.ids) Put(&out, id, id_bytes);
  return out;
}

Result<TokenChunks> ParseTokenChunks(std::span<const uint8_t> data) {
  constexpr size_t kHeader = sizeof kMagic + 16;
  if (data.size() < kHeader || std::memcmp(data.data(), kMagic, sizeof kMagic) != 0) {
    return Status::Corruption("not a token-id file (no LMZTOKS1 header)");
  }
  TokenChunks c;
  const uint64_t vocab = Get(data.data() + 8, 4);
  const uint64_t id_bytes = Get(data.data() + 12, 4);
  const uint64_t chunks = Get(data.data() + 16, 8);
  if (vocab < 2 || vocab > static_cast<uint64_t>(kMaxVocabSize)) {
    return Status::Corruption("token-id file: vocabulary out of range");
  }
  if (id_bytes != (vocab <= 65536 ? 2u : 4u)) return Status::Corruption("token-id file: wrong id width");
  if (chunks > (data.size() - kHeader) / 8) return Status::Corruption("token-id file: chunk table truncated");
  c.vocab = static_cast<uint32_t>(vocab);
  uint64_t total_tokens = 0;
  const uint8_t* p = data.data() + kHeader;
  for (uint64_t i = 0; i < chunks; ++i, p += 8) {
    c.token_counts.push_back(static_cast<uint32_t>(Get(p, 4)));
    c.byte_counts.push_back(static_cast<uint32_t>(Get(p + 4, 4)));
    total_tokens += c.token_counts.back();
  }
  const uint64_t body = data.size() - kHeader - chunks * 8;
  if (body != total_tokens * id_bytes) {
    return Status::Corruption("token-id file: " + std::to_string(body) + " bytes of ids where the chunk table says " +
                              std::to_string(total_tokens * id_bytes));
  }
  c.ids.resize(total_tokens);
  for (uint64_t i = 0; i < total_tokens; ++i, p += id_bytes) {
    const uint64_t id = Get(p, static_cast<int>(id_bytes));
    if (id >= vocab) return Status::Corruption("token-id file: id " + std::to_string(id) + " is not below the vocabulary");
    c.ids[i] = static_cast<uint32_t>(id);
  }
  return c;
}

Status WriteTokenFile(const std::string& path, const TokenChunks& chunks) {
  const std::vector<uint8_t> bytes = SerializeTokenChunks(chunks);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IOError(path + ": cannot create");
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) return Status::IOError(path + ": write error");
  return Status::Ok();
}

Result<TokenChunks> ReadTokenFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError(path + ": cannot open");
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::IOError(path + ": read error");
  auto parsed = ParseTokenChunks(bytes);
  if (!parsed.ok()) return parsed.status().WithContext(path);
  return parsed;
}

}  // namespace lmzip::nn
