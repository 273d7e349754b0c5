// Byte sources and sinks: what the container reads from and writes to. Files,
// standard streams and memory all look the same to the compressor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lmzip/status.h"

namespace lmzip {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `n` bytes; returns fewer only at the end of the data (0 = end).
  virtual Result<size_t> Read(uint8_t* data, size_t n) = 0;
  // Name for messages ("notes.txt", "<stdin>").
  virtual std::string name() const = 0;
};

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  // Writes all of `data` or fails.
  virtual Status Write(std::span<const uint8_t> data) = 0;
  virtual std::string name() const = 0;
};

class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::span<const uint8_t> data, std::string name = "<memory>")
      : data_(data), name_(std::move(name)) {}
  Result<size_t> Read(uint8_t* data, size_t n) override;
  std::string name() const override { return name_; }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  std::string name_;
};

class MemorySink final : public ByteSink {
 public:
  Status Write(std::span<const uint8_t> data) override {
    bytes_.insert(bytes_.end(), data.begin(), data.end());
    return Status::Ok();
  }
  std::string name() const override { return "<memory>"; }
  std::vector<uint8_t>& bytes() { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

// Discards everything (used by `lmzip -t`).
class NullSink final : public ByteSink {
 public:
  Status Write(std::span<const uint8_t>) override { return Status::Ok(); }
  std::string name() const override { return "<test>"; }
};

}  // namespace lmzip
