#include "util/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

namespace lmzip {

std::string ErrnoText(int err) { return std::strerror(err); }

bool PathExists(const std::string& path) {
  struct stat st{};
  return lstat(path.c_str(), &st) == 0;
}

Result<size_t> MemorySource::Read(uint8_t* data, size_t n) {
  const size_t take = std::min(n, data_.size() - pos_);
  if (take > 0) std::memcpy(data, data_.data() + pos_, take);
  pos_ += take;
  return take;
}

Result<std::unique_ptr<FileSource>> FileSource::Open(const std::string& path) {
  if (path == "-") {
    return std::unique_ptr<FileSource>(new FileSource(STDIN_FILENO, "<stdin>", std::nullopt));
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError(path + ": " + ErrnoText(errno));
  struct stat st{};
  if (fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return Status::IOError(path + ": " + ErrnoText(err));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument(path + ": is a directory");
  }
  std::optional<uint64_t> size;
  if (S_ISREG(st.st_mode)) size = static_cast<uint64_t>(st.st_size);
  return std::unique_ptr<FileSource>(new FileSource(fd, path, size));
}

FileSource::~FileSource() {
  if (fd_ != STDIN_FILENO) ::close(fd_);
}

Result<size_t> FileSource::Read(uint8_t* data, size_t n) {
  size_t got = 0;
  while (got < n) {
    const ssize_t r = ::read(fd_, data + got, n - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(name_ + ": read failed: " + ErrnoText(errno));
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  return got;
}

Result<std::unique_ptr<FileSink>> FileSink::Create(const std::string& path, bool overwrite) {
  if (path == "-") {
    return std::unique_ptr<FileSink>(new FileSink(STDOUT_FILENO, "<stdout>", "", overwrite));
  }
  if (!overwrite && PathExists(path)) {
    return Status::InvalidArgument(path + ": already exists (use -f to overwrite)");
  }
  // A temporary name in the same directory, so the final rename is atomic.
  std::random_device rd;
  for (int attempt = 0; attempt < 16; ++attempt) {
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, ".tmp%08x", static_cast<unsigned>(rd()));
    std::string temp = path + suffix;
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) return std::unique_ptr<FileSink>(new FileSink(fd, path, temp, overwrite));
    if (errno != EEXIST) return Status::IOError(path + ": cannot create: " + ErrnoText(errno));
  }
  return Status::IOError(path + ": cannot create a temporary file");
}

FileSink::~FileSink() {
  if (temp_path_.empty()) {
    (void)WriteBuffered();
    return;
  }
  if (!committed_) {
    ::close(fd_);
    ::unlink(temp_path_.c_str());
  }
}

Status FileSink::WriteBuffered() {
  size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t w = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      buffer_.clear();
      return Status::IOError(name_ + ": write failed: " + ErrnoText(err));
    }
    done += static_cast<size_t>(w);
  }
  buffer_.clear();
  return Status::Ok();
}

Status FileSink::Write(std::span<const uint8_t> data) {
  constexpr size_t kBufferSize = 1 << 20;
  buffer_.insert(buffer_.end(), data.begin(), data.end());
  if (buffer_.size() >= kBufferSize) return WriteBuffered();
  return Status::Ok();
}

Status FileSink::Commit() {
  LMZIP_RETURN_IF_ERROR(WriteBuffered());
  if (temp_path_.empty()) return Status::Ok();
  if (::fsync(fd_) != 0) return Status::IOError(name_ + ": sync failed: " + ErrnoText(errno));
  if (::close(fd_) != 0) {
    fd_ = -1;
    ::unlink(temp_path_.c_str());
    committed_ = true;
    return Status::IOError(name_ + ": close failed: " + ErrnoText(errno));
  }
  fd_ = -1;
  if (!overwrite_ && PathExists(name_)) {
    ::unlink(temp_path_.c_str());
    committed_ = true;
    return Status::InvalidArgument(name_ + ": already exists (use -f to overwrite)");
  }
  if (::rename(temp_path_.c_str(), name_.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp_path_.c_str());
    committed_ = true;
    return Status::IOError(name_ + ": cannot rename into place: " + ErrnoText(err));
  }
  committed_ = true;
  return Status::Ok();
}

}  // namespace lmzip
