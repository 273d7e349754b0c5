// Elementary functions computed by lmzip itself, with a fixed sequence of IEEE-754
// operations (no libm, no fused multiply-add), so every x86-64 CPU, compiler and
// library version gets the same bits. The float versions are the scalar references
// of the SIMD kernels in kernels.h.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

namespace lmzip::nn {

// e^x for float x; relative error below 2e-7 + 1e-7 |x| on [-87, 88]. Returns 0 below -87.
// Steps: y = x*log2(e); n = nearest integer of y (ties to even); f = y - n in [-0.5, 0.5];
// 2^f by a degree-7 polynomial (Horner); scaled by 2^n through the exponent bits.
inline float DetExp(float x) {
  if (!(x > -87.0f)) return 0.0f;
  if (x > 88.0f) x = 88.0f;
  const float y = x * 1.44269504088896341f;
  // Round to nearest even through the 1.5*2^23 trick (exact for |y| < 2^22).
  const float magic = 12582912.0f;
  const float n = (y + magic) - magic;
  const float f = y - n;
  float p = 1.5252733804059841e-5f;
  p = p * f + 1.5403530393381610e-4f;
  p = p * f + 1.3333558146428443e-3f;
  p = p * f + 9.6181291076284772e-3f;
  p = p * f + 5.5504108664821580e-2f;
  p = p * f + 2.4022650695910071e-1f;
  p = p * f + 6.9314718055994531e-1f;
  p = p * f + 1.0f;
  const int32_t e = static_cast<int32_t>(n) + 127;
  const uint32_t bits = static_cast<uint32_t>(e) << 23;
  float scale;
  std::memcpy(&scale, &bits, 4);
  return p * scale;
}

// tanh-form GELU: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), with
// tanh(z) = 1 - 2 / (e^(2z) + 1) through DetExp; the same as PyTorch's
// gelu(approximate="tanh") to about 1e-7.
inline float DetGelu(float x) {
  const float inner = 0.7978845608028654f * (x + 0.044715f * (x * x * x));
  const float e = DetExp(2.0f * inner);
  const float t = 1.0f - 2.0f / (e + 1.0f);
  return 0.5f * x * (1.0f + t);
}

// Double-precision natural log, e^x, sin and cos from series with fixed term counts:
// accurate to a few ulps and identical on every IEEE-754 machine. Used only to build
// the rotary tables.
double DetLog(double x);     // x > 0
double DetExpD(double x);    // |x| < 700
void DetSinCos(double x, double* s, double* c);  // |x| < 1e6

// Rotary tables for `positions` positions of heads `head_width` wide: entry
// [pos * (head_width/2) + i] is cos/sin(pos * base^(-2i/head_width)), rounded to float.
void RotaryTables(int positions, int head_width, float base, std::vector<float>* cos_table,
                  std::vector<float>* sin_table);

}  // namespace lmzip::nn
