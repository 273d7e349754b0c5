// Small helpers shared by the lmzip subcommands.
#pragma once

#include <CLI/CLI.hpp>

#include <cctype>
#include <string>
#include <vector>

#include "util/byte_size.h"

namespace lmzip::cli {

// "a, b,,c" -> {"a", "b", "c"}: comma-separated items, white space dropped.
inline std::vector<std::string> SplitList(const std::string& list) {
  std::vector<std::string> out;
  std::string item;
  for (char c : list + ",") {
    if (c == ',') {
      if (!item.empty()) out.push_back(item);
      item.clear();
    } else if (std::isspace(static_cast<unsigned char>(c)) == 0) {
      item += c;
    }
  }
  return out;
}

// A CLI11 transform that reads a byte size (util/byte_size.h: 64k, 1Mi, ...) and
// hands the option its number of bytes.
inline CLI::Validator ByteSize() {
  return CLI::Validator(
      [](std::string& text) {
        const Result<uint64_t> n = ParseByteSize(text);
        if (!n.ok()) return n.status().message();
        text = std::to_string(*n);
        return std::string();
      },
      "SIZE", "byte size");
}

}  // namespace lmzip::cli
