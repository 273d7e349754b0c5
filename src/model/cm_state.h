// Archives that save and restore a context-mixing model's state: one Serialize
// function per component lists its fields once, for both directions. Loading treats
// the bytes as hostile: sizes are bounded by what the input holds, and a failure
// leaves the archive failed with a message.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace lmzip::cm {

class StateWriter {
 public:
  static constexpr bool kLoading = false;
  explicit StateWriter(std::vector<uint8_t>* out) : out_(out) {}

  template <typename T>
  void Pod(T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    Bytes(&value, sizeof value);
  }
  void Bytes(const void* data, size_t n) {
    const auto* p = static_cast<const uint8_t*>(data);
    out_->insert(out_->end(), p, p + n);
  }
  template <typename T>
  void Vector(std::vector<T>& v, size_t /*expected*/) {
    uint64_t n = v.size();
    Pod(n);
    Bytes(v.data(), v.size() * sizeof(T));
  }
  bool CanHold(uint64_t) const { return true; }
  void Fail(const std::string&) {}
  bool ok() const { return true; }

 private:
  std::vector<uint8_t>* out_;
};

class StateReader {
 public:
  static constexpr bool kLoading = true;
  explicit StateReader(std::span<const uint8_t> in) : in_(in) {}

  template <typename T>
  void Pod(T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    Bytes(&value, sizeof value);
  }
  void Bytes(void* data, size_t n) {
    if (!ok()) {
      std::memset(data, 0, n);
      return;
    }
    if (n > in_.size() - pos_) {
      std::memset(data, 0, n);
      return Fail("state is truncated");
    }
    std::memcpy(data, in_.data() + pos_, n);
    pos_ += n;
  }
  // Reads a vector that must have exactly `expected` elements.
  template <typename T>
  void Vector(std::vector<T>& v, size_t expected) {
    uint64_t n = 0;
    Pod(n);
    if (ok() && n != expected) return Fail("state array has the wrong size");
    v.resize(expected);
    Bytes(v.data(), expected * sizeof(T));
  }
  // Whether `bytes` more can be read (so a forged size allocates nothing).
  bool CanHold(uint64_t bytes) {
    if (ok() && bytes > in_.size() - pos_) Fail("state is truncated");
    return ok();
  }
  void Fail(const std::string& why) {
    if (error_.empty()) error_ = why;
  }
  bool ok() const { return error_.empty(); }
  bool at_end() const { return pos_ == in_.size(); }
  const std::string& error() const { return error_; }

 private:
  std::span<const uint8_t> in_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace lmzip::cm
