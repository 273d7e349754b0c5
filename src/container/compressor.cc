// Streams data through the .lmz container: chunks are read in batches of one per
// worker, coded in parallel, and written in order, so memory stays bounded by
// threads x chunk size and the output does not depend on the thread count.
#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <system_error>
#include <thread>

#include <fmt/format.h>

#include "codec/model_codec.h"
#include "container/format.h"
#include "lmzip/container.h"
#include "model/cm.h"
#include "model/transformer_model.h"
#include "util/progress.h"

namespace lmzip {

namespace {

struct Chunk {
  std::vector<uint8_t> raw;
  std::vector<uint8_t> coded;
  format::ChunkFrame frame;
  Status status;
};

// Runs fn(i) for i in [0, n) on up to `threads` threads; fn must not throw.
template <typename Fn>
void ParallelFor(size_t n, int threads, Fn fn) {
  const size_t workers = std::min<size_t>(n, static_cast<size_t>(std::max(threads, 1)));
  if (workers <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  pool.reserve(workers);
  for (size_t w = 0; w < workers; ++w) {
    pool.emplace_back([&] {
      for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i);
    });
  }
  for (std::thread& t : pool) t.join();
}

class XxhStream {
 public:
  XxhStream() : state_(XXH64_createState()) { XXH64_reset(state_.get(), 0); }
  void Update(std::span<const uint8_t> d) { XXH64_update(state_.get(), d.data(), d.size()); }
  uint64_t Digest() const { return XXH64_digest(state_.get()); }

 private:
  struct Free {
    void operator()(XXH64_state_t* s) const { XXH64_freeState(s); }
  };
  std::unique_ptr<XXH64_state_t, Free> state_;
};

// Reads exactly n bytes, or reports truncation naming `what`.
Status ReadExact(ByteSource& in, uint8_t* dst, size_t n, const char* what) {
  LMZIP_ASSIGN_OR_RETURN(size_t got, in.Read(dst, n));
  if (got != n) return Status::Corruption(std::string("file is truncated (in ") + what + ")");
  return Status::Ok();
}

// Reads `n` bytes, growing the buffer only as data arrives, so that a forged size
// cannot make us allocate memory the file does not back.
Status ReadPayload(ByteSource& in, size_t n, std::vector<uint8_t>* out) {
  constexpr size_t kStep = 1 << 20;
  out->clear();
  while (out->size() < n) {
    const size_t take = std::min(kStep, n - out->size());
    const size_t at = out->size();
    out->resize(at + take);
    LMZIP_ASSIGN_OR_RETURN(size_t got, in.Read(out->data() + at, take));
    if (got != take) return Status::Corruption("file is truncated (in chunk data)");
  }
  return Status::Ok();
}

Status CheckModel(const format::Header& h, const std::string& weights_path) {
  const int have = ModelVersion(h.model_name);
  if (have == 0) {
    return Status::NotSupported("file needs model '" + h.model_name +
                                "', which this build of lmzip does not have");
  }
  if (have != h.model_version) {
    return Status::NotSupported("file was made with model '" + h.model_name + "' version " +
                                std::to_string(h.model_version) + ", this build has version " +
                                std::to_string(have));
  }
  if (h.weights_hash != 0 && h.model_name == "cm") {
    const std::string want = fmt::format("{:016x}", h.weights_hash);
    if (weights_path.empty()) {
      return Status::InvalidArgument("file was made with primed weights " + want +
                                     ": give that weights file with --model FILE.lmzw");
    }
    LMZIP_ASSIGN_OR_RETURN(uint64_t hash, ContextMixingWeightsHash(weights_path));
    if (hash != h.weights_hash) {
      return Status::InvalidArgument(weights_path + " has hash " + fmt::format("{:016x}", hash) +
                                     ", but the file was made with primed weights " + want);
    }
    return Status::Ok();
  }
  if (h.weights_hash != 0) {
    if (h.model_name != "tf" && h.model_name != "cm+tf") {
      return Status::NotSupported("file needs a weights file for model '" + h.model_name + "'");
    }
    const std::string want = fmt::format("{:016x}", h.weights_hash);
    if (weights_path.empty()) {
      return Status::InvalidArgument("file was made with transformer weights " + want +
                                     (h.model_name == "cm+tf" ? ": give that weights file with -m cm+FILE.gguf"
                                                              : ": give that weights file with --model FILE.gguf"));
    }
    LMZIP_ASSIGN_OR_RETURN(LoadedTransformer weights, LoadTransformer(weights_path));
    if (weights.hash != h.weights_hash) {
      return Status::InvalidArgument(weights_path + " has hash " + fmt::format("{:016x}", weights.hash) +
                                     ", but the file was made with weights " + want);
    }
  }
  return Status::Ok();
}

}  // namespace

uint32_t DefaultChunkSize(int level) {
  if (level <= 3) return 4u << 20;
  if (level <= 6) return 16u << 20;
  return 64u << 20;
}

int WorkerThreads(int requested, uint64_t memory_limit, uint64_t model_bytes, uint64_t chunk_size) {
  int threads = std::max(1, requested);
  if (memory_limit == 0) return threads;
  // A worker holds its model, the chunk it read, the chunk's code (at most about as
  // large) and, for text, the chunk after the word transform (never larger).
  const uint64_t per_worker = model_bytes + 3 * chunk_size;
  if (per_worker == 0) return threads;
  const uint64_t fit = memory_limit / per_worker;
  return static_cast<int>(std::clamp<uint64_t>(fit, 1, static_cast<uint64_t>(threads)));
}

namespace {

static_assert(format::kMethodModel == kModelPlain && format::kMethodModelWords == kModelWords,
              "the .lmz chunk methods are the model chunk methods");

Result<CompressStats> CompressImpl(ByteSource& in, ByteSink& out, const CompressOptions& options) {
  const ModelSpec& spec = options.model;
  {
    LMZIP_ASSIGN_OR_RETURN(std::unique_ptr<Predictor> probe, CreateModel(spec));
  }
  const uint32_t chunk_size = options.chunk_size ? options.chunk_size : DefaultChunkSize(spec.level);
  if (chunk_size < kMinChunkSize || chunk_size > kMaxChunkSize) {
    return Status::InvalidArgument("chunk size must be 1 byte to 1 GiB");
  }
  const int threads = WorkerThreads(options.threads, options.memory_limit, ModelMemoryBound(spec), chunk_size);

  format::Header header;
  header.model_name = spec.name;
  header.model_level = static_cast<uint8_t>(spec.level);
  header.model_version = static_cast<uint16_t>(ModelVersion(spec.name));
  if (spec.name == "tf" || spec.name == "cm+tf") {
    LMZIP_ASSIGN_OR_RETURN(LoadedTransformer weights, LoadTransformer(spec.weights_path));
    header.weights_hash = weights.hash;
  }
  if (spec.name == "cm" && !spec.weights_path.empty()) {
    LMZIP_ASSIGN_OR_RETURN(header.weights_hash, ContextMixingWeightsHash(spec.weights_path));
  }
  header.chunk_size = chunk_size;
  header.size_hint = options.size_hint.value_or(format::kUnknownSize);
  std::vector<uint8_t> buf;
  format::AppendHeader(header, &buf);
  LMZIP_RETURN_IF_ERROR(out.Write(buf));

  CompressStats stats;
  stats.output_bytes = buf.size();
  format::Index index;
  XxhStream content;
  std::vector<Chunk> batch(static_cast<size_t>(threads));
  bool at_end = false;
  while (!at_end) {
    size_t filled = 0;
    for (; filled < batch.size(); ++filled) {
      // Read in pieces, so that a chunk larger than the input costs no more than
      // the input (a resize to the whole chunk size would zero all of it first).
      std::vector<uint8_t>& raw = batch[filled].raw;
      raw.clear();
      while (raw.size() < chunk_size) {
        constexpr size_t kPiece = size_t{1} << 20;
        const size_t have = raw.size(), want = std::min<size_t>(chunk_size - have, kPiece);
        raw.resize(have + want);
        LMZIP_ASSIGN_OR_RETURN(size_t piece, in.Read(raw.data() + have, want));
        raw.resize(have + piece);
        if (piece < want) break;
      }
      const size_t got = raw.size();
      if (got < chunk_size) at_end = true;
      if (got == 0) break;
      if (at_end) {
        ++filled;
        break;
      }
    }
    ParallelFor(filled, threads, [&](size_t i) {
      Chunk& c = batch[i];
      c.coded.clear();
      Result<uint8_t> method = EncodeModelChunk(spec, c.raw, &c.coded, options.progress);
      c.status = method.status();
      c.frame.raw_size = static_cast<uint32_t>(c.raw.size());
      c.frame.raw_hash = format::Hash64(c.raw);
      // Data the model cannot shrink (already compressed, random) is stored as is.
      c.frame.method = !method.ok() || c.coded.size() >= c.raw.size() ? format::kMethodStored : *method;
      c.frame.coded_size = static_cast<uint32_t>(
          c.frame.method == format::kMethodStored ? c.raw.size() : c.coded.size());
    });
    for (size_t i = 0; i < filled; ++i) {
      Chunk& c = batch[i];
      LMZIP_RETURN_IF_ERROR(c.status);
      buf.clear();
      format::AppendChunkFrameHeader(c.frame, &buf);
      LMZIP_RETURN_IF_ERROR(out.Write(buf));
      LMZIP_RETURN_IF_ERROR(out.Write(c.frame.method == format::kMethodStored ? c.raw : c.coded));
      content.Update(c.raw);
      stats.input_bytes += c.raw.size();
      stats.output_bytes += buf.size() + c.frame.coded_size;
      format::ChunkFrame entry = c.frame;
      entry.raw_hash = 0;
      index.chunks.push_back(entry);
    }
  }
  index.original_size = stats.input_bytes;
  index.content_hash = content.Digest();
  buf.clear();
  format::AppendEnd(index, stats.output_bytes, &buf);
  LMZIP_RETURN_IF_ERROR(out.Write(buf));
  stats.output_bytes += buf.size();
  stats.chunks = index.chunks.size();
  return stats;
}

Result<CompressStats> DecompressImpl(ByteSource& in, ByteSink& out,
                                     const DecompressOptions& options) {
  uint8_t fixed[format::kFixedHeaderSize];
  LMZIP_ASSIGN_OR_RETURN(size_t got, in.Read(fixed, sizeof fixed));
  LMZIP_ASSIGN_OR_RETURN(size_t body_len,
                         format::ParseFixedHeader(std::span<const uint8_t>(fixed, got)));
  std::vector<uint8_t> body(body_len);
  LMZIP_RETURN_IF_ERROR(ReadExact(in, body.data(), body.size(), "header"));
  LMZIP_ASSIGN_OR_RETURN(format::Header header, format::ParseHeaderBody(fixed, body));
  LMZIP_RETURN_IF_ERROR(CheckModel(header, options.weights_path));
  if (header.chunk_size > options.max_chunk_size) {
    return Status::NotSupported("chunk size " + std::to_string(header.chunk_size) +
                                " is above this reader's limit");
  }
  ModelSpec spec;
  spec.name = header.model_name;
  spec.level = header.model_level;
  spec.weights_path = options.weights_path;
  {
    LMZIP_ASSIGN_OR_RETURN(std::unique_ptr<Predictor> probe, CreateModel(spec));
  }

  const int threads =
      WorkerThreads(options.threads, options.memory_limit, ModelMemoryBound(spec), header.chunk_size);
  CompressStats stats;
  stats.input_bytes = sizeof fixed + body.size();
  XxhStream content;
  std::vector<format::ChunkFrame> seen;
  std::vector<Chunk> batch(static_cast<size_t>(threads));
  size_t filled = 0;

  auto flush_batch = [&]() -> Status {
    ParallelFor(filled, threads, [&](size_t i) {
      Chunk& c = batch[i];
      if (c.frame.method != format::kMethodStored) {
        c.status = DecodeModelChunk(spec, c.frame.method, c.coded, c.frame.raw_size, &c.raw, options.progress);
      } else {
        c.raw.swap(c.coded);
        c.status = Status::Ok();
        if (options.progress) options.progress->Add(c.raw.size());
      }
      if (c.status.ok() && format::Hash64(c.raw) != c.frame.raw_hash) {
        c.status = Status::Corruption("checksum mismatch: data is corrupt");
      }
    });
    for (size_t i = 0; i < filled; ++i) {
      Chunk& c = batch[i];
      const size_t number = seen.size() - filled + i;
      if (!c.status.ok()) return c.status.WithContext("chunk " + std::to_string(number));
      LMZIP_RETURN_IF_ERROR(out.Write(c.raw));
      content.Update(c.raw);
      stats.output_bytes += c.raw.size();
    }
    filled = 0;
    return Status::Ok();
  };

  while (true) {
    uint8_t type = 0;
    LMZIP_ASSIGN_OR_RETURN(size_t n, in.Read(&type, 1));
    if (n == 0) return Status::Corruption("file is truncated (no end marker)");
    stats.input_bytes += 1;
    if (type == format::kFrameEnd) break;
    if (type != format::kFrameChunk) return Status::Corruption("unknown frame type");
    if (seen.size() >= format::kMaxChunks) return Status::Corruption("too many chunks");
    uint8_t fh[format::kChunkFrameHeaderSize];
    LMZIP_RETURN_IF_ERROR(ReadExact(in, fh, sizeof fh, "chunk header"));
    LMZIP_ASSIGN_OR_RETURN(format::ChunkFrame frame,
                           format::ParseChunkFrameHeader(fh, header.chunk_size));
    Chunk& c = batch[filled];
    c.frame = frame;
    LMZIP_RETURN_IF_ERROR(ReadPayload(in, frame.coded_size, &c.coded));
    stats.input_bytes += sizeof fh + frame.coded_size;
    seen.push_back(frame);
    if (++filled == batch.size()) LMZIP_RETURN_IF_ERROR(flush_batch());
  }
  LMZIP_RETURN_IF_ERROR(flush_batch());

  const uint64_t end_offset = stats.input_bytes - 1;
  std::vector<uint8_t> end_body(format::EndBodySize(seen.size()));
  LMZIP_RETURN_IF_ERROR(ReadExact(in, end_body.data(), end_body.size(), "index"));
  LMZIP_ASSIGN_OR_RETURN(format::Index index, format::ParseEndBody(end_body, header.chunk_size));
  for (size_t i = 0; i < seen.size(); ++i) {
    const format::ChunkFrame& a = index.chunks[i];
    const format::ChunkFrame& b = seen[i];
    if (a.raw_size != b.raw_size || a.coded_size != b.coded_size || a.method != b.method) {
      return Status::Corruption("index does not match chunk " + std::to_string(i));
    }
  }
  if (index.original_size != stats.output_bytes || index.content_hash != content.Digest()) {
    return Status::Corruption("whole-file checksum mismatch");
  }
  uint8_t footer[format::kFooterSize];
  LMZIP_RETURN_IF_ERROR(ReadExact(in, footer, sizeof footer, "footer"));
  LMZIP_ASSIGN_OR_RETURN(uint64_t footer_offset, format::ParseFooter(footer));
  if (footer_offset != end_offset) return Status::Corruption("footer points to the wrong place");
  stats.input_bytes += end_body.size() + sizeof footer;
  uint8_t extra = 0;
  LMZIP_ASSIGN_OR_RETURN(size_t trailing, in.Read(&extra, 1));
  if (trailing != 0) return Status::Corruption("unexpected data after the end of the stream");
  stats.chunks = seen.size();
  return stats;
}

// Resource exhaustion inside the library (memory, threads) becomes a Status, so no
// exception crosses the public API.
template <typename Fn>
Result<CompressStats> Guarded(Fn&& fn) {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return Status::IOError("out of memory");
  } catch (const std::system_error& e) {
    return Status::IOError(std::string("system error: ") + e.what());
  }
}

}  // namespace

Result<CompressStats> Compress(ByteSource& in, ByteSink& out, const CompressOptions& options) {
  return Guarded([&] { return CompressImpl(in, out, options); });
}

Result<CompressStats> Decompress(ByteSource& in, ByteSink& out, const DecompressOptions& options) {
  return Guarded([&] { return DecompressImpl(in, out, options); });
}

Result<ContainerInfo> ReadContainerInfo(const ReadAtFn& read_at, uint64_t file_size) {
  if (file_size < format::kFixedHeaderSize + format::kFooterSize) {
    return Status::Corruption("file is too short to be an .lmz file");
  }
  uint8_t fixed[format::kFixedHeaderSize];
  LMZIP_RETURN_IF_ERROR(read_at(0, sizeof fixed, fixed));
  LMZIP_ASSIGN_OR_RETURN(size_t body_len, format::ParseFixedHeader(fixed));
  if (sizeof fixed + body_len > file_size) return Status::Corruption("file is truncated (in header)");
  std::vector<uint8_t> body(body_len);
  LMZIP_RETURN_IF_ERROR(read_at(sizeof fixed, body.size(), body.data()));
  LMZIP_ASSIGN_OR_RETURN(format::Header header, format::ParseHeaderBody(fixed, body));

  uint8_t footer[format::kFooterSize];
  LMZIP_RETURN_IF_ERROR(read_at(file_size - sizeof footer, sizeof footer, footer));
  LMZIP_ASSIGN_OR_RETURN(uint64_t end_offset, format::ParseFooter(footer));
  const uint64_t header_end = sizeof fixed + body_len;
  if (end_offset < header_end || end_offset + 1 + format::kEndFixedSize + 4 + sizeof footer > file_size) {
    return Status::Corruption("footer points outside the file");
  }
  const uint64_t body_size = file_size - sizeof footer - end_offset - 1;
  if ((body_size - format::kEndFixedSize - 4) % 9 != 0) return Status::Corruption("bad index size");
  uint8_t type = 0;
  LMZIP_RETURN_IF_ERROR(read_at(end_offset, 1, &type));
  if (type != format::kFrameEnd) return Status::Corruption("footer does not point to the index");
  std::vector<uint8_t> end_body(body_size);
  LMZIP_RETURN_IF_ERROR(read_at(end_offset + 1, end_body.size(), end_body.data()));
  LMZIP_ASSIGN_OR_RETURN(format::Index index, format::ParseEndBody(end_body, header.chunk_size));

  ContainerInfo info;
  info.format_version = format::kFormatVersion;
  info.model_name = header.model_name;
  info.model_level = header.model_level;
  info.model_version = header.model_version;
  info.weights_hash = header.weights_hash;
  info.chunk_size = header.chunk_size;
  info.original_size = index.original_size;
  info.compressed_size = file_size;
  info.content_hash = index.content_hash;
  for (const format::ChunkFrame& f : index.chunks) {
    info.chunk_raw_sizes.push_back(f.raw_size);
    info.chunk_coded_sizes.push_back(f.coded_size);
    info.chunk_methods.push_back(f.method);
  }
  return info;
}

Result<ContainerInfo> ReadContainerInfo(std::span<const uint8_t> file) {
  auto read_at = [file](uint64_t offset, size_t n, uint8_t* dst) -> Status {
    if (offset > file.size() || n > file.size() - offset) return Status::Corruption("read past end of file");
    std::memcpy(dst, file.data() + offset, n);
    return Status::Ok();
  };
  return ReadContainerInfo(read_at, file.size());
}

}  // namespace lmzip
