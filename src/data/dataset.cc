#include "data/dataset.h"

#include "data/files.h"

namespace lmzip {

std::string_view ModalityName(Modality modality) {
  switch (modality) {
    case Modality::kText: return "text";
    case Modality::kImage: return "images";
    case Modality::kAudio: return "audio";
    case Modality::kRandom: return "random";
  }
  return "unknown";
}

Result<Dataset> LoadTextFile(const std::string& path, uint64_t max_bytes) {
  Dataset data;
  data.modality = Modality::kText;
  data.source = path;
  LMZIP_ASSIGN_OR_RETURN(data.bytes, ReadFilePrefix(path, max_bytes));
  if (data.bytes.empty()) return Status::InvalidArgument(path + ": empty file, no text to bench");
  data.files_used = 1;
  return data;
}

Dataset MakeRandomBytes(uint64_t size, uint64_t seed) {
  Dataset data;
  data.modality = Modality::kRandom;
  data.source = "splitmix64 seed " + std::to_string(seed);
  data.bytes.resize(size);
  uint64_t state = seed;
  for (uint64_t i = 0; i < size; i += 8) {
    // splitmix64 (Steele, Lea, Flood 2014): a fixed, portable sequence.
    state += 0x9E3779B97F4A7C15ull;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    for (uint64_t k = 0; k < 8 && i + k < size; ++k) {
      data.bytes[i + k] = static_cast<uint8_t>(z >> (8 * k));
    }
  }
  return data;
}

}  // namespace lmzip
