// Files for the command line: inputs read through a descriptor, outputs written to a
// temporary file beside the target and renamed into place only once complete, so a
// failed run never leaves a partial output behind.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "lmzip/io.h"

namespace lmzip {

// Reads a file, or standard input when path is "-".
class FileSource final : public ByteSource {
 public:
  static Result<std::unique_ptr<FileSource>> Open(const std::string& path);
  ~FileSource() override;
  Result<size_t> Read(uint8_t* data, size_t n) override;
  std::string name() const override { return name_; }
  // Size of a regular file; nullopt for pipes and terminals.
  std::optional<uint64_t> size() const { return size_; }

 private:
  FileSource(int fd, std::string name, std::optional<uint64_t> size)
      : fd_(fd), name_(std::move(name)), size_(size) {}
  int fd_;
  std::string name_;
  std::optional<uint64_t> size_;
};

// Writes to standard output, or to `path` through a temporary file that Commit()
// renames into place. Destroyed without Commit(), it removes the temporary file.
class FileSink final : public ByteSink {
 public:
  // Fails if `path` exists and `overwrite` is false.
  static Result<std::unique_ptr<FileSink>> Create(const std::string& path, bool overwrite);
  ~FileSink() override;
  Status Write(std::span<const uint8_t> data) override;
  std::string name() const override { return name_; }
  // Flushes to disk and renames the temporary file to the target.
  Status Commit();

 private:
  FileSink(int fd, std::string name, std::string temp_path, bool overwrite)
      : fd_(fd), name_(std::move(name)), temp_path_(std::move(temp_path)), overwrite_(overwrite) {}
  Status WriteBuffered();
  int fd_;
  std::string name_;
  std::string temp_path_;  // empty for standard output
  bool overwrite_;
  bool committed_ = false;
  std::vector<uint8_t> buffer_;
};

// True when `path` names an existing file (or anything) in the file system.
bool PathExists(const std::string& path);

// Describes errno for a message: "No such file or directory".
std::string ErrnoText(int err);

}  // namespace lmzip
