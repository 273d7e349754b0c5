// GGUF files: the weights format of lmzip's neural models (and of llama.cpp).
//
// Layout (all integers little-endian), version 3:
//   magic "GGUF" | version:u32 | tensor_count:u64 | kv_count:u64
//   kv_count x (key:string | type:u32 | value)
//   tensor_count x (name:string | n_dims:u32 | dims:u64[n_dims] | type:u32 | offset:u64)
//   padding to `general.alignment` (default 32)
//   tensor data; each tensor at data_start + offset, offsets aligned
// string = length:u64 + bytes (no terminator). dims[0] is the fastest-varying axis,
// so a row-major matrix with R rows and C columns has dims {C, R}.
// Only the value and tensor types lmzip needs are read; others are NotSupported.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "lmzip/status.h"

namespace lmzip::nn {

enum class GgufType : uint32_t { kF32 = 0, kF16 = 1 };

// A metadata value: unsigned/signed integers, float, bool and string are kept;
// arrays are skipped on read.
using GgufValue = std::variant<uint64_t, int64_t, double, bool, std::string>;

struct GgufTensor {
  std::string name;
  std::vector<uint64_t> dims;  // dims[0] fastest
  GgufType type = GgufType::kF32;
  std::vector<float> values;   // decoded to float32, dims product entries
};

struct GgufFile {
  std::map<std::string, GgufValue> metadata;
  std::vector<GgufTensor> tensors;

  // Metadata accessors: InvalidArgument naming the key when absent or of another kind.
  Result<uint64_t> GetUint(const std::string& key) const;
  Result<double> GetFloat(const std::string& key) const;
  Result<std::string> GetString(const std::string& key) const;
  const GgufTensor* FindTensor(const std::string& name) const;
};

// Parses a whole GGUF file. Every field is treated as hostile: Corruption on any
// inconsistency, never a crash or an allocation the file does not back.
Result<GgufFile> ParseGguf(std::span<const uint8_t> bytes);

// Serialises `file`; each tensor is stored in its own `type` (float16 rounds to
// nearest even). Integers are written as u64/i64, floats as f64.
std::vector<uint8_t> SerializeGguf(const GgufFile& file);

// IEEE binary16 <-> binary32, exact bit manipulation (round to nearest even).
uint16_t FloatToHalf(float f);
float HalfToFloat(uint16_t h);

}  // namespace lmzip::nn
