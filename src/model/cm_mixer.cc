#include <cstdint>

#include "model/cm_components.h"

namespace lmzip::cm {

// Integer arithmetic only, so the AVX2 build and the baseline build agree exactly.
__attribute__((target_clones("avx2", "default")))
int32_t DotProduct(const int32_t* x, const int32_t* w, int n) {
  int32_t sum = 0;
  for (int i = 0; i < n; i += 8) {
    for (int j = 0; j < 8; ++j) sum += (x[i + j] * w[i + j]) >> 8;
  }
  return sum;
}

__attribute__((target_clones("avx2", "default")))
void TrainWeights(const int32_t* __restrict x, int32_t* __restrict w, int n, int err) {
  constexpr int32_t kMaxWeight = (1 << 20) - 1;
  for (int i = 0; i < n; i += 8) {
    for (int j = 0; j < 8; ++j) {
      int32_t v = w[i + j] + ((x[i + j] * err + (1 << 13)) >> 14);
      v = v > kMaxWeight ? kMaxWeight : v;
      v = v < -kMaxWeight ? -kMaxWeight : v;
      w[i + j] = v;
    }
  }
}

}  // namespace lmzip::cm
