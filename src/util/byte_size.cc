#include "util/byte_size.h"

#include <cctype>

namespace lmzip {
namespace {

struct Unit {
  std::string_view name;
  uint64_t multiple;
};

constexpr Unit kUnits[] = {
    {"", 1},
    {"k", 1000},           {"K", 1000},           {"M", 1000000},        {"G", 1000000000},
    {"Ki", uint64_t{1} << 10}, {"Mi", uint64_t{1} << 20}, {"Gi", uint64_t{1} << 30},
};

}  // namespace

Result<uint64_t> ParseByteSize(std::string_view text) {
  const std::string quoted = "'" + std::string(text) + "'";
  size_t digits = 0;
  uint64_t value = 0;
  for (; digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])) != 0; ++digits) {
    const auto d = static_cast<uint64_t>(text[digits] - '0');
    if (value > (UINT64_MAX - d) / 10) return Status::InvalidArgument("size too large: " + quoted);
    value = value * 10 + d;
  }
  if (digits == 0) return Status::InvalidArgument("not a size: " + quoted + " (e.g. 100000, 64k, 1M, 1Mi)");
  std::string_view unit = text.substr(digits);
  if (!unit.empty() && unit.back() == 'B') unit.remove_suffix(1);
  for (const Unit& u : kUnits) {
    if (u.name != unit) continue;
    if (value > UINT64_MAX / u.multiple) return Status::InvalidArgument("size too large: " + quoted);
    return value * u.multiple;
  }
  return Status::InvalidArgument("not a size: " + quoted +
                                 " (units: k, M, G are powers of 1000; Ki, Mi, Gi powers of 1024)");
}

}  // namespace lmzip
