#include "nn/kernels.h"

#include <immintrin.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "nn/det_math.h"

namespace lmzip::nn {
namespace {

// ---------------------------------------------------------------- scalar reference

float ReduceSumScalar(const float* x, size_t n) {
  float lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (size_t i = 0; i < n; ++i) lane[i % 8] += x[i];
  return ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
}

void MatMulScalar(const float* x, size_t rows, size_t in, const float* wt, size_t out,
                  const float* bias, float* y) {
  for (size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * in;
    float* yr = y + r * out;
    for (size_t o = 0; o < out; ++o) yr[o] = bias ? bias[o] : 0.0f;
    for (size_t i = 0; i < in; ++i) {
      const float xi = xr[i];
      const float* w = wt + i * out;
      for (size_t o = 0; o < out; ++o) yr[o] = std::fma(xi, w[o], yr[o]);
    }
  }
}

void ExpScalar(float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) x[i] = DetExp(x[i]);
}

void GeluScalar(float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) x[i] = DetGelu(x[i]);
}

void AttendScalar(const float* q, const float* kt, size_t stride, const float* v, size_t v_stride,
                  size_t n, size_t width, float scale, float* e, float* out) {
  for (size_t p = 0; p < n; ++p) {
    float acc = 0.0f;
    for (size_t j = 0; j < width; ++j) acc = std::fma(q[j], kt[j * stride + p], acc);
    e[p] = acc * scale;
  }
  float max = e[0];
  for (size_t p = 1; p < n; ++p) max = e[p] > max ? e[p] : max;
  for (size_t p = 0; p < n; ++p) e[p] = DetExp(e[p] - max);
  const float sum = ReduceSumScalar(e, n);
  for (size_t j = 0; j < width; ++j) out[j] = 0.0f;
  for (size_t p = 0; p < n; ++p) {
    const float* vp = v + p * v_stride;
    for (size_t j = 0; j < width; ++j) out[j] = std::fma(e[p], vp[j], out[j]);
  }
  for (size_t j = 0; j < width; ++j) out[j] = out[j] / sum;
}

void AddLayerNormRow(float* x, const float* add, size_t d, const float* scale, const float* bias,
                     float eps, float* tmp, KernelIsa isa) {
  if (add != nullptr) {
    for (size_t i = 0; i < d; ++i) x[i] = x[i] + add[i];
  }
  const float mean = ReduceSum(x, d, isa) / static_cast<float>(d);
  for (size_t i = 0; i < d; ++i) {
    x[i] = x[i] - mean;
    tmp[i] = x[i] * x[i];
  }
  const float var = ReduceSum(tmp, d, isa) / static_cast<float>(d);
  const float inv = 1.0f / std::sqrt(var + eps);
  for (size_t i = 0; i < d; ++i) x[i] = (x[i] * inv) * scale[i] + bias[i];
}

// ---------------------------------------------------------------- AVX2 + FMA

#define LMZIP_AVX2 __attribute__((target("avx2,fma")))

LMZIP_AVX2 float ReduceSumAvx2(const float* x, size_t n) {
  __m256 acc = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) acc = _mm256_add_ps(acc, _mm256_loadu_ps(x + i));
  alignas(32) float lane[8];
  _mm256_store_ps(lane, acc);
  for (size_t j = 0; i + j < n; ++j) lane[j] += x[i + j];
  return ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
}

LMZIP_AVX2 void MatMulAvx2(const float* x, size_t rows, size_t in, const float* wt, size_t out,
                           const float* bias, float* y) {
  constexpr size_t kRows = 4;
  size_t r = 0;
  for (; r + kRows <= rows; r += kRows) {
    const float* x0 = x + r * in;
    size_t o = 0;
    for (; o + 16 <= out; o += 16) {
      const __m256 b0 = bias ? _mm256_loadu_ps(bias + o) : _mm256_setzero_ps();
      const __m256 b1 = bias ? _mm256_loadu_ps(bias + o + 8) : _mm256_setzero_ps();
      __m256 a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1, a30 = b0, a31 = b1;
      const float* w = wt + o;
      for (size_t i = 0; i < in; ++i, w += out) {
        const __m256 w0 = _mm256_loadu_ps(w);
        const __m256 w1 = _mm256_loadu_ps(w + 8);
        __m256 xb = _mm256_broadcast_ss(x0 + i);
        a00 = _mm256_fmadd_ps(xb, w0, a00);
        a01 = _mm256_fmadd_ps(xb, w1, a01);
        xb = _mm256_broadcast_ss(x0 + in + i);
        a10 = _mm256_fmadd_ps(xb, w0, a10);
        a11 = _mm256_fmadd_ps(xb, w1, a11);
        xb = _mm256_broadcast_ss(x0 + 2 * in + i);
        a20 = _mm256_fmadd_ps(xb, w0, a20);
        a21 = _mm256_fmadd_ps(xb, w1, a21);
        xb = _mm256_broadcast_ss(x0 + 3 * in + i);
        a30 = _mm256_fmadd_ps(xb, w0, a30);
        a31 = _mm256_fmadd_ps(xb, w1, a31);
      }
      float* y0 = y + r * out + o;
      _mm256_storeu_ps(y0, a00);
      _mm256_storeu_ps(y0 + 8, a01);
      _mm256_storeu_ps(y0 + out, a10);
      _mm256_storeu_ps(y0 + out + 8, a11);
      _mm256_storeu_ps(y0 + 2 * out, a20);
      _mm256_storeu_ps(y0 + 2 * out + 8, a21);
      _mm256_storeu_ps(y0 + 3 * out, a30);
      _mm256_storeu_ps(y0 + 3 * out + 8, a31);
    }
    if (o < out) {
      // Remaining columns: one row at a time below.
      for (size_t rr = r; rr < r + kRows; ++rr) {
        float* yr = y + rr * out;
        const float* xr = x + rr * in;
        size_t oo = o;
        for (; oo + 8 <= out; oo += 8) {
          __m256 a = bias ? _mm256_loadu_ps(bias + oo) : _mm256_setzero_ps();
          for (size_t i = 0; i < in; ++i) {
            a = _mm256_fmadd_ps(_mm256_broadcast_ss(xr + i), _mm256_loadu_ps(wt + i * out + oo), a);
          }
          _mm256_storeu_ps(yr + oo, a);
        }
        for (; oo < out; ++oo) {
          float a = bias ? bias[oo] : 0.0f;
          for (size_t i = 0; i < in; ++i) a = std::fma(xr[i], wt[i * out + oo], a);
          yr[oo] = a;
        }
      }
    }
  }
  for (; r < rows; ++r) {
    const float* xr = x + r * in;
    float* yr = y + r * out;
    size_t o = 0;
    for (; o + 16 <= out; o += 16) {
      __m256 a0 = bias ? _mm256_loadu_ps(bias + o) : _mm256_setzero_ps();
      __m256 a1 = bias ? _mm256_loadu_ps(bias + o + 8) : _mm256_setzero_ps();
      const float* w = wt + o;
      for (size_t i = 0; i < in; ++i, w += out) {
        const __m256 xb = _mm256_broadcast_ss(xr + i);
        a0 = _mm256_fmadd_ps(xb, _mm256_loadu_ps(w), a0);
        a1 = _mm256_fmadd_ps(xb, _mm256_loadu_ps(w + 8), a1);
      }
      _mm256_storeu_ps(yr + o, a0);
      _mm256_storeu_ps(yr + o + 8, a1);
    }
    for (; o + 8 <= out; o += 8) {
      __m256 a = bias ? _mm256_loadu_ps(bias + o) : _mm256_setzero_ps();
      for (size_t i = 0; i < in; ++i) {
        a = _mm256_fmadd_ps(_mm256_broadcast_ss(xr + i), _mm256_loadu_ps(wt + i * out + o), a);
      }
      _mm256_storeu_ps(yr + o, a);
    }
    for (; o < out; ++o) {
      float a = bias ? bias[o] : 0.0f;
      for (size_t i = 0; i < in; ++i) a = std::fma(xr[i], wt[i * out + o], a);
      yr[o] = a;
    }
  }
}

// DetExp on 8 lanes: the same operations as the scalar reference, lane by lane.
LMZIP_AVX2 inline __m256 ExpAvx2(__m256 x) {
  const __m256 valid = _mm256_cmp_ps(x, _mm256_set1_ps(-87.0f), _CMP_GT_OQ);
  x = _mm256_min_ps(x, _mm256_set1_ps(88.0f));
  const __m256 y = _mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f));
  const __m256 magic = _mm256_set1_ps(12582912.0f);
  const __m256 n = _mm256_sub_ps(_mm256_add_ps(y, magic), magic);
  const __m256 f = _mm256_sub_ps(y, n);
  __m256 p = _mm256_set1_ps(1.5252733804059841e-5f);
  p = _mm256_add_ps(_mm256_mul_ps(p, f), _mm256_set1_ps(1.5403530393381610e-4f));
  p = _mm256_add_ps(_mm256_mul_ps(p, f), _mm256_set1_ps(1.3333558146428443e-3f));
  p = _mm256_add_ps(_mm256_mul_ps(p, f), _mm256_set1_ps(9.6181291076284772e-3f));
  p = _mm256_add_ps(_mm256_mul_ps(p, f), _mm256_set1_ps(5.5504108664821580e-2f));
  p = _mm256_add_ps(_mm256_mul_ps(p, f), _mm256_set1_ps(2.4022650695910071e-1f));
  p = _mm256_add_ps(_mm256_mul_ps(p, f), _mm256_set1_ps(6.9314718055994531e-1f));
  p = _mm256_add_ps(_mm256_mul_ps(p, f), _mm256_set1_ps(1.0f));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_and_ps(_mm256_mul_ps(p, _mm256_castsi256_ps(e)), valid);
}

LMZIP_AVX2 void ExpAvx2(float* x, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, ExpAvx2(_mm256_loadu_ps(x + i)));
  for (; i < n; ++i) x[i] = DetExp(x[i]);
}

LMZIP_AVX2 void GeluAvx2(float* x, size_t n) {
  size_t i = 0;
  const __m256 one = _mm256_set1_ps(1.0f), two = _mm256_set1_ps(2.0f);
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m256 cube = _mm256_mul_ps(_mm256_mul_ps(v, v), v);
    const __m256 inner = _mm256_mul_ps(
        _mm256_set1_ps(0.7978845608028654f),
        _mm256_add_ps(v, _mm256_mul_ps(_mm256_set1_ps(0.044715f), cube)));
    const __m256 e = ExpAvx2(_mm256_mul_ps(two, inner));
    const __m256 t = _mm256_sub_ps(one, _mm256_div_ps(two, _mm256_add_ps(e, one)));
    _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), v), _mm256_add_ps(one, t)));
  }
  for (; i < n; ++i) x[i] = DetGelu(x[i]);
}

LMZIP_AVX2 void AttendAvx2(const float* q, const float* kt, size_t stride, const float* v,
                           size_t v_stride, size_t n, size_t width, float scale, float* e, float* out) {
  const __m256 vscale = _mm256_set1_ps(scale);
  size_t p = 0;
  for (; p + 32 <= n; p += 32) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    const float* k = kt + p;
    for (size_t j = 0; j < width; ++j, k += stride) {
      const __m256 qb = _mm256_broadcast_ss(q + j);
      a0 = _mm256_fmadd_ps(qb, _mm256_loadu_ps(k), a0);
      a1 = _mm256_fmadd_ps(qb, _mm256_loadu_ps(k + 8), a1);
      a2 = _mm256_fmadd_ps(qb, _mm256_loadu_ps(k + 16), a2);
      a3 = _mm256_fmadd_ps(qb, _mm256_loadu_ps(k + 24), a3);
    }
    _mm256_storeu_ps(e + p, _mm256_mul_ps(a0, vscale));
    _mm256_storeu_ps(e + p + 8, _mm256_mul_ps(a1, vscale));
    _mm256_storeu_ps(e + p + 16, _mm256_mul_ps(a2, vscale));
    _mm256_storeu_ps(e + p + 24, _mm256_mul_ps(a3, vscale));
  }
  for (; p + 8 <= n; p += 8) {
    __m256 a = _mm256_setzero_ps();
    for (size_t j = 0; j < width; ++j) {
      a = _mm256_fmadd_ps(_mm256_broadcast_ss(q + j), _mm256_loadu_ps(kt + j * stride + p), a);
    }
    _mm256_storeu_ps(e + p, _mm256_mul_ps(a, vscale));
  }
  for (; p < n; ++p) {
    float acc = 0.0f;
    for (size_t j = 0; j < width; ++j) acc = std::fma(q[j], kt[j * stride + p], acc);
    e[p] = acc * scale;
  }
  float max = e[0];
  for (size_t i = 1; i < n; ++i) max = e[i] > max ? e[i] : max;
  const __m256 vmax = _mm256_set1_ps(max);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(e + i, ExpAvx2(_mm256_sub_ps(_mm256_loadu_ps(e + i), vmax)));
  for (; i < n; ++i) e[i] = DetExp(e[i] - max);
  const float sum = ReduceSumAvx2(e, n);
  size_t j = 0;
  for (; j + 16 <= width; j += 16) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0;
    const float* vp = v + j;
    for (size_t k = 0; k < n; ++k, vp += v_stride) {
      const __m256 eb = _mm256_broadcast_ss(e + k);
      a0 = _mm256_fmadd_ps(eb, _mm256_loadu_ps(vp), a0);
      a1 = _mm256_fmadd_ps(eb, _mm256_loadu_ps(vp + 8), a1);
    }
    const __m256 s = _mm256_set1_ps(sum);
    _mm256_storeu_ps(out + j, _mm256_div_ps(a0, s));
    _mm256_storeu_ps(out + j + 8, _mm256_div_ps(a1, s));
  }
  for (; j + 8 <= width; j += 8) {
    __m256 a = _mm256_setzero_ps();
    for (size_t k = 0; k < n; ++k) a = _mm256_fmadd_ps(_mm256_broadcast_ss(e + k), _mm256_loadu_ps(v + k * v_stride + j), a);
    _mm256_storeu_ps(out + j, _mm256_div_ps(a, _mm256_set1_ps(sum)));
  }
  for (; j < width; ++j) {
    float a = 0.0f;
    for (size_t k = 0; k < n; ++k) a = std::fma(e[k], v[k * v_stride + j], a);
    out[j] = a / sum;
  }
}

KernelIsa DetectIsa() {
  const char* env = std::getenv("LMZIP_NO_SIMD");
  if (env != nullptr && env[0] != '\0' && std::strcmp(env, "0") != 0) return KernelIsa::kScalar;
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return KernelIsa::kAvx2;
  return KernelIsa::kScalar;
}

}  // namespace

KernelIsa ActiveIsa() {
  static const KernelIsa isa = DetectIsa();
  return isa;
}

const char* IsaName(KernelIsa isa) { return isa == KernelIsa::kAvx2 ? "avx2" : "scalar"; }

float ReduceSum(const float* x, size_t n, KernelIsa isa) {
  return isa == KernelIsa::kAvx2 ? ReduceSumAvx2(x, n) : ReduceSumScalar(x, n);
}

void MatMul(const float* x, size_t rows, size_t in, const float* wt, size_t out, const float* bias,
            float* y, KernelIsa isa) {
  if (isa == KernelIsa::kAvx2) {
    MatMulAvx2(x, rows, in, wt, out, bias, y);
  } else {
    MatMulScalar(x, rows, in, wt, out, bias, y);
  }
}

void Attend(const float* q, const float* kt, size_t stride, const float* v, size_t v_stride,
            size_t n, size_t width, float scale, float* scratch, float* out, KernelIsa isa) {
  if (isa == KernelIsa::kAvx2) {
    AttendAvx2(q, kt, stride, v, v_stride, n, width, scale, scratch, out);
  } else {
    AttendScalar(q, kt, stride, v, v_stride, n, width, scale, scratch, out);
  }
}

void ExpInPlace(float* x, size_t n, KernelIsa isa) {
  if (isa == KernelIsa::kAvx2) {
    ExpAvx2(x, n);
  } else {
    ExpScalar(x, n);
  }
}

void GeluInPlace(float* x, size_t n, KernelIsa isa) {
  if (isa == KernelIsa::kAvx2) {
    GeluAvx2(x, n);
  } else {
    GeluScalar(x, n);
  }
}

void AddLayerNorm(float* x, const float* add, size_t rows, size_t d, const float* scale,
                  const float* bias, float eps, KernelIsa isa) {
  std::vector<float> tmp(d);
  for (size_t r = 0; r < rows; ++r) {
    AddLayerNormRow(x + r * d, add ? add + r * d : nullptr, d, scale, bias, eps, tmp.data(), isa);
  }
}

}  // namespace lmzip::nn
