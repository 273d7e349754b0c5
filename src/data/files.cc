#include "data/files.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace lmzip {

Result<std::vector<uint8_t>> ReadFilePrefix(const std::string& path, uint64_t max_bytes) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return Status::InvalidArgument(path + ": is a folder, expected a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError(path + ": " + std::strerror(errno));
  std::vector<uint8_t> bytes;
  constexpr size_t kBlock = 1 << 20;
  while (max_bytes == 0 || bytes.size() < max_bytes) {
    size_t want = kBlock;
    if (max_bytes != 0) want = std::min<uint64_t>(want, max_bytes - bytes.size());
    const size_t old = bytes.size();
    bytes.resize(old + want);
    in.read(reinterpret_cast<char*>(bytes.data() + old), static_cast<std::streamsize>(want));
    bytes.resize(old + static_cast<size_t>(in.gcount()));
    if (in.bad()) return Status::IOError(path + ": read failed");
    if (!in) break;  // end of file
  }
  return bytes;
}

Result<std::vector<std::string>> ListFilesSorted(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) return Status::IOError(path + ": no such file or folder");
  std::vector<std::string> files;
  if (!fs::is_directory(status)) {
    files.push_back(path);
    return files;
  }
  fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec);
  if (ec) return Status::IOError(path + ": " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return Status::IOError(path + ": " + ec.message());
    std::error_code file_ec;
    if (it->is_regular_file(file_ec)) files.push_back(it->path().string());
  }
  if (ec) return Status::IOError(path + ": " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

bool HasExtension(std::string_view path, std::initializer_list<std::string_view> extensions) {
  const size_t dot = path.rfind('.');
  if (dot == std::string_view::npos || path.find('/', dot) != std::string_view::npos) return false;
  std::string ext(path.substr(dot));
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return std::find(extensions.begin(), extensions.end(), ext) != extensions.end();
}

}  // namespace lmzip
