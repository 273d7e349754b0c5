// Small helpers shared by the lmzip subcommands.
#pragma once

#include <cctype>
#include <string>
#include <vector>

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

}  // namespace lmzip::cli
