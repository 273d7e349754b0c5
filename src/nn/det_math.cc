#include "nn/det_math.h"

namespace lmzip::nn {
namespace {

constexpr double kLn2Hi = 6.93147180369123816490e-01;
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kLn2 = 0.69314718055994530942;
constexpr double kTwoPi = 6.28318530717958647692;

double Scale2(double x, int n) {  // x * 2^n for |n| < 1000 by exact multiplications
  while (n > 60) {
    x *= 1152921504606846976.0;  // 2^60
    n -= 60;
  }
  while (n < -60) {
    x *= 1.0 / 1152921504606846976.0;
    n += 60;
  }
  const uint64_t bits = static_cast<uint64_t>(n + 1023) << 52;
  double s;
  std::memcpy(&s, &bits, 8);
  return x * s;
}

}  // namespace

double DetLog(double x) {
  // x = m * 2^e with m in [sqrt(1/2), sqrt(2)); ln m = 2 atanh((m-1)/(m+1)).
  uint64_t bits;
  std::memcpy(&bits, &x, 8);
  int e = static_cast<int>((bits >> 52) & 0x7FF) - 1023;
  bits = (bits & 0x000FFFFFFFFFFFFFull) | (uint64_t{1023} << 52);
  double m;
  std::memcpy(&m, &bits, 8);
  if (m > 1.4142135623730951) {
    m *= 0.5;
    ++e;
  }
  const double s = (m - 1.0) / (m + 1.0);
  const double s2 = s * s;
  double term = s;
  double sum = 0.0;
  for (int k = 1; k <= 41; k += 2) {
    sum += term / k;
    term *= s2;
  }
  return 2.0 * sum + e * kLn2;
}

double DetExpD(double x) {
  const double k = static_cast<double>(static_cast<int64_t>(x / kLn2 + (x < 0 ? -0.5 : 0.5)));
  const double r = (x - k * kLn2Hi) - k * kLn2Lo;
  double term = 1.0, sum = 1.0;
  for (int i = 1; i <= 24; ++i) {
    term *= r / i;
    sum += term;
  }
  return Scale2(sum, static_cast<int>(k));
}

void DetSinCos(double x, double* s, double* c) {
  const double k = static_cast<double>(static_cast<int64_t>(x / kTwoPi + (x < 0 ? -0.5 : 0.5)));
  const double r = x - k * kTwoPi;  // in [-pi, pi]
  const double r2 = r * r;
  double sin_term = r, cos_term = 1.0;
  double sin_sum = 0.0, cos_sum = 0.0;
  for (int i = 0; i < 30; ++i) {
    sin_sum += sin_term;
    cos_sum += cos_term;
    sin_term *= -r2 / ((2 * i + 2) * (2 * i + 3));
    cos_term *= -r2 / ((2 * i + 1) * (2 * i + 2));
  }
  *s = sin_sum;
  *c = cos_sum;
}

void RotaryTables(int positions, int head_width, float base, std::vector<float>* cos_table,
                  std::vector<float>* sin_table) {
  const int half = head_width / 2;
  cos_table->assign(static_cast<size_t>(positions) * half, 0.0f);
  sin_table->assign(static_cast<size_t>(positions) * half, 0.0f);
  const double log_base = DetLog(static_cast<double>(base));
  for (int i = 0; i < half; ++i) {
    const double inv_freq = DetExpD(-log_base * (2.0 * i) / head_width);
    for (int pos = 0; pos < positions; ++pos) {
      double s, c;
      DetSinCos(pos * inv_freq, &s, &c);
      (*cos_table)[static_cast<size_t>(pos) * half + i] = static_cast<float>(c);
      (*sin_table)[static_cast<size_t>(pos) * half + i] = static_cast<float>(s);
    }
  }
}

}  // namespace lmzip::nn
