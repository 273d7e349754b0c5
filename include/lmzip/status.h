// Errors as values. Every fallible call in lmzip returns a Status or a Result<T>;
// no exception crosses the public API.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace lmzip {

enum class StatusCode : int {
  kOk = 0,
  kCorruption = 1,       // input data is damaged or not what it claims to be
  kInvalidArgument = 2,  // caller passed something unusable (bad option, wrong model)
  kIOError = 3,          // the operating system refused (missing file, disk full, ...)
  kNotSupported = 4,     // well-formed, but a feature this build does not have
};

// Returns the stable, human-readable name of a code ("Corruption", ...).
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK

  static Status Ok() { return Status(); }
  static Status Corruption(std::string msg) { return {StatusCode::kCorruption, std::move(msg)}; }
  static Status InvalidArgument(std::string msg) {
    return {StatusCode::kInvalidArgument, std::move(msg)};
  }
  static Status IOError(std::string msg) { return {StatusCode::kIOError, std::move(msg)}; }
  static Status NotSupported(std::string msg) {
    return {StatusCode::kNotSupported, std::move(msg)};
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "Corruption: chunk 3 checksum mismatch"
  std::string ToString() const;

  // Returns a copy whose message is prefixed by `context + ": "`.
  Status WithContext(std::string_view context) const;

 private:
  Status(StatusCode code, std::string msg) : code_(code), message_(std::move(msg)) {}
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!status_.ok() && "Result constructed from an OK status without a value");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace lmzip

// Returns early from the enclosing function when `expr` is not OK.
#define LMZIP_RETURN_IF_ERROR(expr)          \
  do {                                       \
    ::lmzip::Status lmzip_status_ = (expr);  \
    if (!lmzip_status_.ok()) return lmzip_status_; \
  } while (0)

#define LMZIP_CONCAT_INNER_(a, b) a##b
#define LMZIP_CONCAT_(a, b) LMZIP_CONCAT_INNER_(a, b)

// Declares `lhs` from a Result<T> expression, or returns its Status.
#define LMZIP_ASSIGN_OR_RETURN(lhs, expr)                                  \
  auto LMZIP_CONCAT_(lmzip_result_, __LINE__) = (expr);                    \
  if (!LMZIP_CONCAT_(lmzip_result_, __LINE__).ok())                        \
    return LMZIP_CONCAT_(lmzip_result_, __LINE__).status();                \
  lhs = std::move(LMZIP_CONCAT_(lmzip_result_, __LINE__)).value()
