#include "codec/word_transform.h"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <unordered_map>

namespace lmzip::words {

namespace {

// Layout of the transformed bytes (docs/format.md):
//   cap:1 upper:1 code_set:16 one_byte_codes:1 (word '\n')* '\n' body
constexpr size_t kCodeSetBytes = 16;
constexpr size_t kFixedSize = 2 + kCodeSetBytes + 1;
constexpr size_t kMinCodes = 16;
// Longest word the encoder puts in a dictionary, and that a reader accepts.
constexpr size_t kMaxEncodedWord = 48;
constexpr size_t kMaxWord = 255;

bool IsLower(uint8_t c) { return c >= 'a' && c <= 'z'; }
bool IsUpper(uint8_t c) { return c >= 'A' && c <= 'Z'; }
bool IsLetter(uint8_t c) { return IsLower(c) || IsUpper(c); }
uint8_t ToLower(uint8_t c) { return IsUpper(c) ? static_cast<uint8_t>(c + 32) : c; }
uint8_t ToUpper(uint8_t c) { return IsLower(c) ? static_cast<uint8_t>(c - 32) : c; }

enum class Case { kLower, kCapital, kUpper, kMixed };

Case CaseOf(std::span<const uint8_t> w) {
  const bool rest_lower = std::all_of(w.begin() + 1, w.end(), IsLower);
  if (IsLower(w[0]) && rest_lower) return Case::kLower;
  if (rest_lower) return Case::kCapital;  // "The", and one-letter "I"
  if (std::all_of(w.begin(), w.end(), IsUpper)) return Case::kUpper;
  return Case::kMixed;
}

bool LooksLikeText(std::span<const uint8_t> raw) {
  size_t printable = 0, letters = 0, spaces = 0;
  for (const uint8_t c : raw) {
    printable += (c >= 32 && c != 127) || c == '\t' || c == '\n' || c == '\r';
    letters += IsLetter(c);
    spaces += c == ' ' || c == '\n';
  }
  const size_t n = raw.size();
  return n > 0 && printable * 20 >= n * 19 && letters * 5 >= n * 2 && spaces * 20 >= n;
}

std::string Lowered(std::span<const uint8_t> w) {
  std::string s(w.size(), '\0');
  for (size_t i = 0; i < w.size(); ++i) s[i] = static_cast<char>(ToLower(w[i]));
  return s;
}

}  // namespace

bool Forward(std::span<const uint8_t> raw, std::vector<uint8_t>* out, const ForwardOptions& options) {
  if (options.require_text && !LooksLikeText(raw)) return false;
  std::array<bool, 256> used{};
  for (const uint8_t c : raw) used[c] = true;
  // Flags are printable punctuation where the chunk leaves some unused, so that the
  // model still sees text; else control bytes.
  std::vector<uint8_t> flags, codes;
  for (const char c : std::string_view("`~^|{}@#\\<>_=+*%$&")) {
    if (!used[static_cast<uint8_t>(c)]) flags.push_back(static_cast<uint8_t>(c));
  }
  for (int c = 0; c < 32; ++c) {
    if (!used[c] && c != '\t' && c != '\n' && c != '\r') flags.push_back(static_cast<uint8_t>(c));
  }
  for (int c = 128; c < 256; ++c) {
    if (!used[c]) codes.push_back(static_cast<uint8_t>(c));
  }
  if (flags.size() < 2 || codes.size() < kMinCodes) return false;
  const uint8_t cap = flags[0], upper = flags[1];
  const size_t nc = codes.size(), one_byte = nc / 2;
  const size_t capacity = one_byte + (nc - one_byte) * nc;

  // First pass: how often each word occurs, case folded.
  std::unordered_map<std::string, uint32_t> counts;
  for (size_t i = 0; i < raw.size();) {
    if (!IsLetter(raw[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < raw.size() && IsLetter(raw[j])) ++j;
    const auto w = raw.subspan(i, j - i);
    if (w.size() >= 2 && w.size() <= kMaxEncodedWord && CaseOf(w) != Case::kMixed) ++counts[Lowered(w)];
    i = j;
  }
  const uint32_t min_count =
      options.min_count ? options.min_count : std::clamp<uint32_t>(static_cast<uint32_t>(raw.size() >> 14), 16, 64);
  std::vector<std::pair<std::string, uint32_t>> frequent;
  for (auto& [word, count] : counts) {
    if (count >= min_count) frequent.emplace_back(word, count);
  }
  std::sort(frequent.begin(), frequent.end(),
            [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
  if (frequent.size() > capacity) frequent.resize(capacity);
  // Within each code length, words are ordered by their reversed spelling, so that
  // words with a common ending get neighbouring codes.
  const auto by_ending = [](const auto& a, const auto& b) {
    return std::lexicographical_compare(a.first.rbegin(), a.first.rend(), b.first.rbegin(), b.first.rend());
  };
  const auto split = frequent.begin() + static_cast<std::ptrdiff_t>(std::min(one_byte, frequent.size()));
  std::sort(frequent.begin(), split, by_ending);
  std::sort(split, frequent.end(), by_ending);

  out->clear();
  out->reserve(raw.size());
  out->push_back(cap);
  out->push_back(upper);
  std::array<uint8_t, kCodeSetBytes> code_set{};
  for (const uint8_t c : codes) code_set[(c - 128) >> 3] |= static_cast<uint8_t>(1 << (c & 7));
  out->insert(out->end(), code_set.begin(), code_set.end());
  out->push_back(static_cast<uint8_t>(one_byte));
  // Each word's code: its length in bytes, then the bytes.
  std::unordered_map<std::string_view, std::array<uint8_t, 3>> code_of;
  for (size_t k = 0; k < frequent.size(); ++k) {
    const std::string& w = frequent[k].first;
    out->insert(out->end(), w.begin(), w.end());
    out->push_back('\n');
    if (k < one_byte) {
      code_of[w] = {1, codes[k], 0};
    } else {
      const size_t r = k - one_byte;
      code_of[w] = {2, codes[one_byte + r / nc], codes[r % nc]};
    }
  }
  out->push_back('\n');

  // Second pass: the body.
  std::string lowered;
  for (size_t i = 0; i < raw.size();) {
    if (!IsLetter(raw[i])) {
      out->push_back(raw[i++]);
      continue;
    }
    size_t j = i;
    while (j < raw.size() && IsLetter(raw[j])) ++j;
    const auto w = raw.subspan(i, j - i);
    i = j;
    const Case form = CaseOf(w);
    if (form == Case::kMixed) {
      out->insert(out->end(), w.begin(), w.end());
      continue;
    }
    if (form == Case::kCapital) out->push_back(cap);
    if (form == Case::kUpper) out->push_back(upper);
    lowered = Lowered(w);
    const auto it = code_of.find(std::string_view(lowered));
    if (it == code_of.end()) {
      out->insert(out->end(), lowered.begin(), lowered.end());
    } else {
      out->insert(out->end(), it->second.begin() + 1, it->second.begin() + 1 + it->second[0]);
    }
  }
  return !options.require_gain || out->size() < raw.size();
}

Status Inverse(std::span<const uint8_t> t, size_t raw_size, std::vector<uint8_t>* out) {
  if (t.size() < kFixedSize) return Status::Corruption("word transform header is truncated");
  const uint8_t cap = t[0], upper = t[1];
  if (cap >= 128 || upper >= 128 || IsLetter(cap) || IsLetter(upper) || cap == upper) {
    return Status::Corruption("bad word transform flags");
  }
  // rank[c]: c's place among the code bytes, or -1 for a byte that stands for itself.
  std::array<int, 256> rank;
  rank.fill(-1);
  size_t nc = 0;
  for (int c = 128; c < 256; ++c) {
    if (t[2 + ((c - 128) >> 3)] >> (c & 7) & 1) rank[c] = static_cast<int>(nc++);
  }
  const size_t one_byte = t[2 + kCodeSetBytes];
  if (nc == 0 || one_byte > nc) return Status::Corruption("bad word transform code set");
  const size_t capacity = one_byte + (nc - one_byte) * nc;
  // The dictionary: each word's offset and length in `t`.
  std::vector<std::pair<size_t, size_t>> dict;
  size_t pos = kFixedSize;
  while (true) {
    size_t end = pos;
    while (end < t.size() && IsLower(t[end]) && end - pos < kMaxWord) ++end;
    if (end == t.size()) return Status::Corruption("word transform dictionary is truncated");
    if (t[end] != '\n') return Status::Corruption("bad word in word transform dictionary");
    if (end == pos) break;
    if (dict.size() == capacity) return Status::Corruption("word transform dictionary is too long");
    dict.emplace_back(pos, end - pos);
    pos = end + 1;
  }
  ++pos;

  out->clear();
  out->reserve(raw_size);
  const auto too_long = [] { return Status::Corruption("word transform output exceeds the chunk"); };
  while (pos < t.size()) {
    uint8_t c = t[pos++];
    int form = 0;  // 0: as coded, 1: capitalise the first letter, 2: all capitals
    if (c == cap || c == upper) {
      form = c == cap ? 1 : 2;
      if (pos == t.size()) return Status::Corruption("word transform flag at the end");
      c = t[pos++];
      if (rank[c] < 0) {
        if (!IsLower(c)) return Status::Corruption("word transform flag not before a word");
        // A word spelled out: its letters follow, the first already read.
        if (out->size() == raw_size) return too_long();
        out->push_back(ToUpper(c));
        while (pos < t.size() && IsLower(t[pos])) {
          if (out->size() == raw_size) return too_long();
          out->push_back(form == 2 ? ToUpper(t[pos]) : t[pos]);
          ++pos;
        }
        continue;
      }
    }
    if (rank[c] < 0) {
      if (out->size() == raw_size) return too_long();
      out->push_back(c);
      continue;
    }
    size_t index = static_cast<size_t>(rank[c]);
    if (index >= one_byte) {
      if (pos == t.size() || rank[t[pos]] < 0) return Status::Corruption("word transform code is truncated");
      index = one_byte + (index - one_byte) * nc + static_cast<size_t>(rank[t[pos++]]);
    }
    if (index >= dict.size()) return Status::Corruption("word transform code beyond the dictionary");
    const auto [offset, length] = dict[index];
    if (raw_size - out->size() < length) return too_long();
    for (size_t k = 0; k < length; ++k) {
      const uint8_t letter = t[offset + k];
      out->push_back(form == 2 || (form == 1 && k == 0) ? ToUpper(letter) : letter);
    }
  }
  if (out->size() != raw_size) return Status::Corruption("word transform output is shorter than the chunk");
  return Status::Ok();
}

}  // namespace lmzip::words
