#include "container/format.h"

#include <xxhash.h>

#include <cstring>

namespace lmzip::format {

namespace {

void Put8(std::vector<uint8_t>* out, uint8_t v) { out->push_back(v); }
void Put16(std::vector<uint8_t>* out, uint16_t v) {
  for (int i = 0; i < 2; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void Put32(std::vector<uint8_t>* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void Put64(std::vector<uint8_t>* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint32_t Hash32(std::span<const uint8_t> data) { return XXH32(data.data(), data.size(), 0); }

// Little-endian reader over a bounded span; any read past the end sets failed().
class Cursor {
 public:
  explicit Cursor(std::span<const uint8_t> data) : data_(data) {}
  uint64_t Get(int bytes) {
    if (pos_ + static_cast<size_t>(bytes) > data_.size()) {
      failed_ = true;
      return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(data_[pos_ + i]) << (8 * i);
    pos_ += static_cast<size_t>(bytes);
    return v;
  }
  std::string GetString(size_t n) {
    if (pos_ + n > data_.size()) {
      failed_ = true;
      return {};
    }
    std::string s(reinterpret_cast<const char*>(data_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  bool failed() const { return failed_; }
  size_t pos() const { return pos_; }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  bool failed_ = false;
};

bool IsPrintableName(const std::string& s) {
  for (char c : s) {
    if (c < 0x21 || c > 0x7E) return false;
  }
  return !s.empty();
}

}  // namespace

uint64_t Hash64(std::span<const uint8_t> data) { return XXH64(data.data(), data.size(), 0); }

void AppendHeader(const Header& h, std::vector<uint8_t>* out) {
  const size_t start = out->size();
  out->insert(out->end(), std::begin(kMagic), std::end(kMagic));
  Put8(out, kFormatVersion);
  Put8(out, 0);  // flags, reserved
  const size_t body_len =
      1 + h.model_name.size() + 1 + 2 + 2 + h.model_options.size() + 8 + 4 + 8 + 4;
  Put16(out, static_cast<uint16_t>(body_len));
  Put8(out, static_cast<uint8_t>(h.model_name.size()));
  out->insert(out->end(), h.model_name.begin(), h.model_name.end());
  Put8(out, h.model_level);
  Put16(out, h.model_version);
  Put16(out, static_cast<uint16_t>(h.model_options.size()));
  out->insert(out->end(), h.model_options.begin(), h.model_options.end());
  Put64(out, h.weights_hash);
  Put32(out, h.chunk_size);
  Put64(out, h.size_hint);
  Put32(out, Hash32(std::span<const uint8_t>(out->data() + start, out->size() - start)));
}

Result<size_t> ParseFixedHeader(std::span<const uint8_t> fixed) {
  if (fixed.size() < kFixedHeaderSize) return Status::Corruption("file is too short for an .lmz header");
  if (std::memcmp(fixed.data(), kMagic, 4) != 0) return Status::Corruption("not an .lmz file (bad magic)");
  if (fixed[4] != kFormatVersion) {
    return Status::NotSupported("format version " + std::to_string(fixed[4]) +
                                " is not supported (this build reads version " +
                                std::to_string(kFormatVersion) + ")");
  }
  if (fixed[5] != 0) return Status::NotSupported("unknown header flags");
  const size_t body_len = fixed[6] | (static_cast<size_t>(fixed[7]) << 8);
  if (body_len < 4 || body_len > kMaxHeaderBody) return Status::Corruption("bad header length");
  return body_len;
}

Result<Header> ParseHeaderBody(std::span<const uint8_t> fixed, std::span<const uint8_t> body) {
  if (body.size() < 4) return Status::Corruption("header is truncated");
  XXH32_state_t* st = XXH32_createState();
  XXH32_reset(st, 0);
  XXH32_update(st, fixed.data(), kFixedHeaderSize);
  XXH32_update(st, body.data(), body.size() - 4);
  const uint32_t want = XXH32_digest(st);
  XXH32_freeState(st);
  Cursor tail(body.subspan(body.size() - 4));
  if (static_cast<uint32_t>(tail.Get(4)) != want) return Status::Corruption("header checksum mismatch");

  Cursor c(body.first(body.size() - 4));
  Header h;
  const size_t name_len = c.Get(1);
  h.model_name = c.GetString(name_len);
  h.model_level = static_cast<uint8_t>(c.Get(1));
  h.model_version = static_cast<uint16_t>(c.Get(2));
  const size_t options_len = c.Get(2);
  h.model_options = c.GetString(options_len);
  h.weights_hash = c.Get(8);
  h.chunk_size = static_cast<uint32_t>(c.Get(4));
  h.size_hint = c.Get(8);
  if (c.failed() || c.pos() != body.size() - 4) return Status::Corruption("malformed header");
  if (!IsPrintableName(h.model_name)) return Status::Corruption("malformed model name in header");
  if (h.chunk_size < 1 || h.chunk_size > (1u << 30)) return Status::Corruption("bad chunk size in header");
  return h;
}

void AppendChunkFrameHeader(const ChunkFrame& f, std::vector<uint8_t>* out) {
  Put8(out, kFrameChunk);
  const size_t start = out->size();
  Put32(out, f.raw_size);
  Put32(out, f.coded_size);
  Put8(out, f.method);
  Put64(out, f.raw_hash);
  Put32(out, Hash32(std::span<const uint8_t>(out->data() + start, out->size() - start)));
}

Result<ChunkFrame> ParseChunkFrameHeader(std::span<const uint8_t> bytes, uint32_t chunk_size) {
  if (bytes.size() < kChunkFrameHeaderSize) return Status::Corruption("chunk header is truncated");
  Cursor c(bytes);
  ChunkFrame f;
  f.raw_size = static_cast<uint32_t>(c.Get(4));
  f.coded_size = static_cast<uint32_t>(c.Get(4));
  f.method = static_cast<uint8_t>(c.Get(1));
  f.raw_hash = c.Get(8);
  const uint32_t check = static_cast<uint32_t>(c.Get(4));
  if (check != Hash32(bytes.first(17))) return Status::Corruption("chunk header checksum mismatch");
  if (f.raw_size == 0 || f.raw_size > chunk_size) return Status::Corruption("bad chunk size");
  if (f.method == kMethodStored) {
    if (f.coded_size != f.raw_size) return Status::Corruption("stored chunk has wrong size");
  } else if (f.method == kMethodModelWords) {
    if (f.coded_size < 4) return Status::Corruption("word-transformed chunk is truncated");
  } else if (f.method != kMethodModel) {
    return Status::Corruption("unknown chunk method " + std::to_string(f.method));
  }
  return f;
}

uint64_t EndBodySize(uint64_t chunks) { return kEndFixedSize + 9 * chunks + 4; }

void AppendEnd(const Index& index, uint64_t end_offset, std::vector<uint8_t>* out) {
  Put8(out, kFrameEnd);
  const size_t start = out->size();
  Put64(out, index.original_size);
  Put64(out, index.content_hash);
  Put64(out, index.chunks.size());
  for (const ChunkFrame& f : index.chunks) {
    Put32(out, f.raw_size);
    Put32(out, f.coded_size);
    Put8(out, f.method);
  }
  Put32(out, Hash32(std::span<const uint8_t>(out->data() + start, out->size() - start)));
  Put64(out, end_offset);
  out->insert(out->end(), std::begin(kFooterMagic), std::end(kFooterMagic));
}

Result<Index> ParseEndBody(std::span<const uint8_t> body, uint32_t chunk_size) {
  Cursor c(body);
  Index index;
  index.original_size = c.Get(8);
  index.content_hash = c.Get(8);
  const uint64_t n = c.Get(8);
  if (c.failed()) return Status::Corruption("index is truncated");
  if (n > kMaxChunks || body.size() != EndBodySize(n)) return Status::Corruption("bad index size");
  const uint32_t want = Hash32(body.first(body.size() - 4));
  index.chunks.resize(n);
  uint64_t total = 0;
  for (ChunkFrame& f : index.chunks) {
    f.raw_size = static_cast<uint32_t>(c.Get(4));
    f.coded_size = static_cast<uint32_t>(c.Get(4));
    f.method = static_cast<uint8_t>(c.Get(1));
    if (f.raw_size == 0 || f.raw_size > chunk_size) return Status::Corruption("bad chunk size in index");
    total += f.raw_size;
  }
  if (static_cast<uint32_t>(c.Get(4)) != want) return Status::Corruption("index checksum mismatch");
  if (total != index.original_size) return Status::Corruption("index sizes do not add up");
  return index;
}

Result<uint64_t> ParseFooter(std::span<const uint8_t> footer) {
  if (footer.size() != kFooterSize) return Status::Corruption("footer is truncated");
  if (std::memcmp(footer.data() + 8, kFooterMagic, 4) != 0) {
    return Status::Corruption("bad footer (file truncated?)");
  }
  Cursor c(footer);
  return c.Get(8);
}

}  // namespace lmzip::format
