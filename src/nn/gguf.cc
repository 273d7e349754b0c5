#include "nn/gguf.h"

#include <cstring>
#include <limits>

namespace lmzip::nn {
namespace {

constexpr uint32_t kVersion = 3;
constexpr uint64_t kDefaultAlignment = 32;
// Bounds that no lmzip model comes near; they keep hostile counts from driving loops.
constexpr uint64_t kMaxEntries = 1u << 20;
constexpr uint64_t kMaxStringBytes = 1u << 24;
constexpr uint32_t kMaxDims = 4;

enum ValueType : uint32_t {
  kU8 = 0, kI8 = 1, kU16 = 2, kI16 = 3, kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7,
  kString = 8, kArray = 9, kU64 = 10, kI64 = 11, kF64 = 12,
};

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> b) : b_(b) {}
  bool Bytes(void* dst, size_t n) {
    if (n > b_.size() - pos_) return false;
    std::memcpy(dst, b_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool Skip(uint64_t n) {
    if (n > b_.size() - pos_) return false;
    pos_ += n;
    return true;
  }
  template <typename T>
  bool Get(T* v) { return Bytes(v, sizeof(T)); }
  bool String(std::string* s) {
    uint64_t n = 0;
    if (!Get(&n) || n > kMaxStringBytes || n > b_.size() - pos_) return false;
    s->assign(reinterpret_cast<const char*>(b_.data() + pos_), n);
    pos_ += n;
    return true;
  }
  size_t pos() const { return pos_; }

 private:
  std::span<const uint8_t> b_;
  size_t pos_ = 0;
};

size_t ScalarSize(uint32_t type) {
  switch (type) {
    case kU8: case kI8: case kBool: return 1;
    case kU16: case kI16: return 2;
    case kU32: case kI32: case kF32: return 4;
    case kU64: case kI64: case kF64: return 8;
    default: return 0;
  }
}

// Reads one value of `type`; arrays are skipped and yield no value (false in *kept).
bool ReadValue(Reader& r, uint32_t type, GgufValue* out, bool* kept, int depth = 0) {
  *kept = true;
  switch (type) {
    case kU8: { uint8_t v; if (!r.Get(&v)) return false; *out = uint64_t{v}; return true; }
    case kI8: { int8_t v; if (!r.Get(&v)) return false; *out = int64_t{v}; return true; }
    case kU16: { uint16_t v; if (!r.Get(&v)) return false; *out = uint64_t{v}; return true; }
    case kI16: { int16_t v; if (!r.Get(&v)) return false; *out = int64_t{v}; return true; }
    case kU32: { uint32_t v; if (!r.Get(&v)) return false; *out = uint64_t{v}; return true; }
    case kI32: { int32_t v; if (!r.Get(&v)) return false; *out = int64_t{v}; return true; }
    case kU64: { uint64_t v; if (!r.Get(&v)) return false; *out = v; return true; }
    case kI64: { int64_t v; if (!r.Get(&v)) return false; *out = v; return true; }
    case kF32: { float v; if (!r.Get(&v)) return false; *out = double{v}; return true; }
    case kF64: { double v; if (!r.Get(&v)) return false; *out = v; return true; }
    case kBool: { uint8_t v; if (!r.Get(&v) || v > 1) return false; *out = v == 1; return true; }
    case kString: { std::string s; if (!r.String(&s)) return false; *out = std::move(s); return true; }
    case kArray: {
      *kept = false;
      uint32_t elem = 0;
      uint64_t n = 0;
      if (depth > 2 || !r.Get(&elem) || !r.Get(&n)) return false;
      if (const size_t size = ScalarSize(elem)) {
        if (n > std::numeric_limits<uint64_t>::max() / size) return false;
        return r.Skip(n * size);
      }
      if (n > kMaxEntries) return false;
      for (uint64_t i = 0; i < n; ++i) {
        GgufValue ignored;
        bool k = false;
        if (!ReadValue(r, elem, &ignored, &k, depth + 1)) return false;
      }
      return true;
    }
    default: return false;
  }
}

class Writer {
 public:
  explicit Writer(std::vector<uint8_t>* out) : out_(out) {}
  void Bytes(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    out_->insert(out_->end(), b, b + n);
  }
  template <typename T>
  void Put(T v) { Bytes(&v, sizeof v); }
  void String(const std::string& s) {
    Put<uint64_t>(s.size());
    Bytes(s.data(), s.size());
  }
  void PadTo(uint64_t alignment) {
    while (out_->size() % alignment != 0) out_->push_back(0);
  }

 private:
  std::vector<uint8_t>* out_;
};

}  // namespace

uint16_t FloatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const uint32_t exp = (x >> 23) & 0xFF;
  uint32_t mant = x & 0x7FFFFFu;
  if (exp == 0xFF) return static_cast<uint16_t>(sign | 0x7C00u | (mant ? 0x200u : 0));
  int e = static_cast<int>(exp) - 127 + 15;
  if (e >= 31) return static_cast<uint16_t>(sign | 0x7C00u);
  if (e <= 0) {
    if (e < -10) return static_cast<uint16_t>(sign);
    mant |= 0x800000u;
    const int shift = 14 - e;  // 24-bit significand down to the subnormal grid
    uint32_t half = mant >> shift;
    const uint32_t rest = mant & ((1u << shift) - 1);
    const uint32_t mid = 1u << (shift - 1);
    if (rest > mid || (rest == mid && (half & 1))) ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = (static_cast<uint32_t>(e) << 10) | (mant >> 13);
  const uint32_t rest = mant & 0x1FFFu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1))) ++half;  // may carry into exp: fine
  return static_cast<uint16_t>(sign | half);
}

float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1F;
  uint32_t mant = h & 0x3FFu;
  uint32_t x;
  if (exp == 0x1F) {
    x = sign | 0x7F800000u | (mant << 13);
  } else if (exp == 0) {
    if (mant == 0) {
      x = sign;
    } else {
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while ((mant & 0x400u) == 0);
      x = sign | (static_cast<uint32_t>(127 - 15 - e) << 23) | ((mant & 0x3FFu) << 13);
    }
  } else {
    x = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

Result<uint64_t> GgufFile::GetUint(const std::string& key) const {
  auto it = metadata.find(key);
  if (it != metadata.end()) {
    if (const auto* u = std::get_if<uint64_t>(&it->second)) return *u;
    if (const auto* i = std::get_if<int64_t>(&it->second); i && *i >= 0) return static_cast<uint64_t>(*i);
  }
  return Status::InvalidArgument("GGUF metadata '" + key + "' is missing or not an unsigned integer");
}

Result<double> GgufFile::GetFloat(const std::string& key) const {
  auto it = metadata.find(key);
  if (it != metadata.end()) {
    if (const auto* d = std::get_if<double>(&it->second)) return *d;
  }
  return Status::InvalidArgument("GGUF metadata '" + key + "' is missing or not a number");
}

Result<std::string> GgufFile::GetString(const std::string& key) const {
  auto it = metadata.find(key);
  if (it != metadata.end()) {
    if (const auto* s = std::get_if<std::string>(&it->second)) return *s;
  }
  return Status::InvalidArgument("GGUF metadata '" + key + "' is missing or not a string");
}

const GgufTensor* GgufFile::FindTensor(const std::string& name) const {
  for (const GgufTensor& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

Result<GgufFile> ParseGguf(std::span<const uint8_t> bytes) {
  Reader r(bytes);
  char magic[4];
  uint32_t version = 0;
  uint64_t tensor_count = 0, kv_count = 0;
  if (!r.Bytes(magic, 4) || std::memcmp(magic, "GGUF", 4) != 0) {
    return Status::Corruption("not a GGUF file (bad magic)");
  }
  if (!r.Get(&version) || version < 2 || version > 3) {
    return Status::NotSupported("GGUF version " + std::to_string(version) + " is not supported");
  }
  if (!r.Get(&tensor_count) || !r.Get(&kv_count) || tensor_count > kMaxEntries ||
      kv_count > kMaxEntries) {
    return Status::Corruption("GGUF header is damaged");
  }
  GgufFile file;
  for (uint64_t i = 0; i < kv_count; ++i) {
    std::string key;
    uint32_t type = 0;
    GgufValue value;
    bool kept = false;
    if (!r.String(&key) || !r.Get(&type) || !ReadValue(r, type, &value, &kept)) {
      return Status::Corruption("GGUF metadata entry " + std::to_string(i) + " is damaged");
    }
    if (kept) file.metadata[key] = std::move(value);
  }
  uint64_t alignment = kDefaultAlignment;
  if (auto a = file.GetUint("general.alignment"); a.ok()) alignment = *a;
  if (alignment == 0 || alignment > 4096 || (alignment & (alignment - 1)) != 0) {
    return Status::Corruption("GGUF alignment must be a power of two up to 4096");
  }
  struct Info {
    uint64_t offset;
    uint64_t count;
  };
  std::vector<Info> infos;
  for (uint64_t i = 0; i < tensor_count; ++i) {
    GgufTensor t;
    uint32_t n_dims = 0, type = 0;
    uint64_t offset = 0;
    if (!r.String(&t.name) || !r.Get(&n_dims) || n_dims == 0 || n_dims > kMaxDims) {
      return Status::Corruption("GGUF tensor entry " + std::to_string(i) + " is damaged");
    }
    uint64_t count = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      uint64_t dim = 0;
      if (!r.Get(&dim) || dim == 0 || dim > bytes.size() || count > bytes.size() / dim) {
        return Status::Corruption("GGUF tensor '" + t.name + "' has bad dimensions");
      }
      count *= dim;
      t.dims.push_back(dim);
    }
    if (!r.Get(&type) || !r.Get(&offset)) return Status::Corruption("GGUF tensor entry is damaged");
    if (type != 0 && type != 1) {
      return Status::NotSupported("GGUF tensor '" + t.name + "' has type " + std::to_string(type) +
                                  " (only float32 and float16 are supported)");
    }
    if (offset % alignment != 0) return Status::Corruption("GGUF tensor '" + t.name + "' is misaligned");
    t.type = static_cast<GgufType>(type);
    infos.push_back({offset, count});
    file.tensors.push_back(std::move(t));
  }
  const uint64_t data_start = (r.pos() + alignment - 1) / alignment * alignment;
  if (data_start > bytes.size()) return Status::Corruption("GGUF file is truncated");
  const uint64_t data_size = bytes.size() - data_start;
  for (size_t i = 0; i < file.tensors.size(); ++i) {
    GgufTensor& t = file.tensors[i];
    const uint64_t elem = t.type == GgufType::kF32 ? 4 : 2;
    const uint64_t size = infos[i].count * elem;
    if (infos[i].offset > data_size || size > data_size - infos[i].offset) {
      return Status::Corruption("GGUF tensor '" + t.name + "' lies outside the file");
    }
    const uint8_t* p = bytes.data() + data_start + infos[i].offset;
    t.values.resize(infos[i].count);
    if (t.type == GgufType::kF32) {
      std::memcpy(t.values.data(), p, size);
    } else {
      for (uint64_t k = 0; k < infos[i].count; ++k) {
        uint16_t h;
        std::memcpy(&h, p + 2 * k, 2);
        t.values[k] = HalfToFloat(h);
      }
    }
  }
  return file;
}

std::vector<uint8_t> SerializeGguf(const GgufFile& file) {
  std::vector<uint8_t> out;
  Writer w(&out);
  w.Bytes("GGUF", 4);
  w.Put<uint32_t>(kVersion);
  w.Put<uint64_t>(file.tensors.size());
  w.Put<uint64_t>(file.metadata.size());
  for (const auto& [key, value] : file.metadata) {
    w.String(key);
    if (const auto* u = std::get_if<uint64_t>(&value)) {
      w.Put<uint32_t>(kU64);
      w.Put(*u);
    } else if (const auto* i = std::get_if<int64_t>(&value)) {
      w.Put<uint32_t>(kI64);
      w.Put(*i);
    } else if (const auto* d = std::get_if<double>(&value)) {
      w.Put<uint32_t>(kF64);
      w.Put(*d);
    } else if (const auto* b = std::get_if<bool>(&value)) {
      w.Put<uint32_t>(kBool);
      w.Put<uint8_t>(*b ? 1 : 0);
    } else {
      w.Put<uint32_t>(kString);
      w.String(std::get<std::string>(value));
    }
  }
  uint64_t offset = 0;
  for (const GgufTensor& t : file.tensors) {
    w.String(t.name);
    w.Put<uint32_t>(static_cast<uint32_t>(t.dims.size()));
    for (uint64_t d : t.dims) w.Put(d);
    w.Put<uint32_t>(static_cast<uint32_t>(t.type));
    w.Put(offset);
    const uint64_t size = t.values.size() * (t.type == GgufType::kF32 ? 4 : 2);
    offset += (size + kDefaultAlignment - 1) / kDefaultAlignment * kDefaultAlignment;
  }
  w.PadTo(kDefaultAlignment);
  for (const GgufTensor& t : file.tensors) {
    if (t.type == GgufType::kF32) {
      w.Bytes(t.values.data(), t.values.size() * 4);
    } else {
      for (float v : t.values) w.Put<uint16_t>(FloatToHalf(v));
    }
    w.PadTo(kDefaultAlignment);
  }
  return out;
}

}  // namespace lmzip::nn
