// File-system helpers shared by the loaders.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "lmzip/status.h"

namespace lmzip {

// Up to `max_bytes` bytes (0 = all) from the start of the file at `path`.
Result<std::vector<uint8_t>> ReadFilePrefix(const std::string& path, uint64_t max_bytes);

// Regular files under `path` (recursively, in sorted order), or `path` itself when it
// is a file. IOError when `path` does not exist or cannot be listed.
Result<std::vector<std::string>> ListFilesSorted(const std::string& path);

// True when `path` ends in one of `extensions` (lower case, with the dot), ignoring case.
bool HasExtension(std::string_view path, std::initializer_list<std::string_view> extensions);

}  // namespace lmzip
