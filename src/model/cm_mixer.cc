#include <immintrin.h>

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

int32_t DotProduct16Scalar(const int16_t* x, const int16_t* w, int n) {
  int32_t sum = 0;
  for (int i = 0; i < n; i += 2) sum += (x[i] * w[i] + x[i + 1] * w[i + 1]) >> 8;
  return sum;
}

void TrainWeights16Scalar(const int16_t* x, int16_t* w, int n, int err) {
  for (int i = 0; i < n; ++i) {
    int32_t v = w[i] + ((x[i] * err + (1 << 14)) >> 15);
    v = v > 32767 ? 32767 : (v < -32768 ? -32768 : v);
    w[i] = static_cast<int16_t>(v);
  }
}

// The same sums as the scalar versions: _mm256_madd_epi16 adds each pair exactly,
// _mm256_mulhrs_epi16 rounds x * err / 2^15 as the scalar code does, and
// _mm256_adds_epi16 saturates like its clamp.
__attribute__((target("avx2")))
int32_t DotProduct16Avx2(const int16_t* x, const int16_t* w, int n) {
  __m256i sum = _mm256_setzero_si256();
  for (int i = 0; i < n; i += 16) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i));
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + i));
    sum = _mm256_add_epi32(sum, _mm256_srai_epi32(_mm256_madd_epi16(a, b), 8));
  }
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

__attribute__((target("avx2")))
void TrainWeights16Avx2(const int16_t* x, int16_t* w, int n, int err) {
  const __m256i e = _mm256_set1_epi16(static_cast<int16_t>(err));
  for (int i = 0; i < n; i += 16) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i));
    __m256i* p = reinterpret_cast<__m256i*>(w + i);
    _mm256_storeu_si256(p, _mm256_adds_epi16(_mm256_loadu_si256(p), _mm256_mulhrs_epi16(a, e)));
  }
}

void DotProducts16Scalar(const int16_t* x, int16_t* const* w, int sets, int n, int32_t* out) {
  for (int s = 0; s < sets; ++s) out[s] = DotProduct16Scalar(x, w[s], n);
}

void TrainWeightsMany16Scalar(const int16_t* x, int16_t* const* w, int sets, int n, const int* err) {
  for (int s = 0; s < sets; ++s) TrainWeights16Scalar(x, w[s], n, err[s]);
}

namespace {

// kSets rows at once: each group of 16 inputs is loaded once for all of them.
// kN > 0: n == kN, with the loop unrolled.
template <int kSets, int kN = 0>
__attribute__((target("avx2"), always_inline)) inline void DotRowsAvx2(const int16_t* x, int16_t* const* w, int n,
                                                                       int32_t* out) {
  if constexpr (kN > 0) n = kN;
  __m256i sum[kSets];
  for (int s = 0; s < kSets; ++s) sum[s] = _mm256_setzero_si256();
  for (int i = 0; i < n; i += 16) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i));
    for (int s = 0; s < kSets; ++s) {
      const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[s] + i));
      sum[s] = _mm256_add_epi32(sum[s], _mm256_srai_epi32(_mm256_madd_epi16(a, b), 8));
    }
  }
  int first = 0;
  if constexpr (kSets >= 4) {
    // Rows 0-3 at once (integer sums: any order gives the same values).
    const __m256i pairs = _mm256_hadd_epi32(_mm256_hadd_epi32(sum[0], sum[1]), _mm256_hadd_epi32(sum[2], sum[3]));
    const __m128i four = _mm_add_epi32(_mm256_castsi256_si128(pairs), _mm256_extracti128_si256(pairs, 1));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), four);
    first = 4;
  }
  for (int s = first; s < kSets; ++s) {
    __m128i t = _mm_add_epi32(_mm256_castsi256_si128(sum[s]), _mm256_extracti128_si256(sum[s], 1));
    t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0x4e));
    t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0xb1));
    out[s] = _mm_cvtsi128_si32(t);
  }
}

template <int kSets, int kN = 0>
__attribute__((target("avx2"), always_inline)) inline void TrainRowsAvx2(const int16_t* x, int16_t* const* w, int n,
                                                                         const int* err) {
  if constexpr (kN > 0) n = kN;
  __m256i e[kSets];
  int16_t* rows[kSets];  // local, so that the stores below need not reload them
  for (int s = 0; s < kSets; ++s) {
    e[s] = _mm256_set1_epi16(static_cast<int16_t>(err[s]));
    rows[s] = w[s];
  }
  for (int i = 0; i < n; i += 16) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i));
    for (int s = 0; s < kSets; ++s) {
      __m256i* p = reinterpret_cast<__m256i*>(rows[s] + i);
      _mm256_storeu_si256(p, _mm256_adds_epi16(_mm256_loadu_si256(p), _mm256_mulhrs_epi16(a, e[s])));
    }
  }
}

}  // namespace

__attribute__((target("avx2")))
void DotProducts16Avx2(const int16_t* x, int16_t* const* w, int sets, int n, int32_t* out) {
  // 48: the inputs of levels 6-9 on text.
  if (sets == 5) return n == 48 ? DotRowsAvx2<5, 48>(x, w, n, out) : DotRowsAvx2<5>(x, w, n, out);
  for (int s = 0; s < sets; ++s) out[s] = DotProduct16Avx2(x, w[s], n);
}

__attribute__((target("avx2")))
void TrainWeightsMany16Avx2(const int16_t* x, int16_t* const* w, int sets, int n, const int* err) {
  if (sets == 5) return n == 48 ? TrainRowsAvx2<5, 48>(x, w, n, err) : TrainRowsAvx2<5>(x, w, n, err);
  for (int s = 0; s < sets; ++s) TrainWeights16Avx2(x, w[s], n, err[s]);
}

namespace {
bool DetectAvx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
}
const bool kHaveAvx2 = DetectAvx2();
}  // namespace

bool HaveAvx2() { return kHaveAvx2; }

int32_t DotProduct16(const int16_t* x, const int16_t* w, int n) {
  return kHaveAvx2 ? DotProduct16Avx2(x, w, n) : DotProduct16Scalar(x, w, n);
}

void TrainWeights16(const int16_t* x, int16_t* w, int n, int err) {
  if (kHaveAvx2) {
    TrainWeights16Avx2(x, w, n, err);
  } else {
    TrainWeights16Scalar(x, w, n, err);
  }
}

void DotProducts16(const int16_t* x, int16_t* const* w, int sets, int n, int32_t* out) {
  if (kHaveAvx2) {
    DotProducts16Avx2(x, w, sets, n, out);
  } else {
    DotProducts16Scalar(x, w, sets, n, out);
  }
}

void TrainWeightsMany16(const int16_t* x, int16_t* const* w, int sets, int n, const int* err) {
  if (kHaveAvx2) {
    TrainWeightsMany16Avx2(x, w, sets, n, err);
  } else {
    TrainWeightsMany16Scalar(x, w, sets, n, err);
  }
}

}  // namespace lmzip::cm
