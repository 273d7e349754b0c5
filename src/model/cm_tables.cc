#include "model/cm_tables.h"

#include <cstddef>

namespace lmzip::cm {
namespace {

constexpr LogisticTables BuildLogistic() {
  LogisticTables t{};
  // e^(-k/256) in 40-bit fixed point for k = 0..2048, by repeated multiplication with
  // round(2^40 * e^(-1/256)), split into 20-bit halves to stay within 64 bits.
  constexpr uint64_t kOne = uint64_t{1} << 40;
  constexpr uint64_t kStep = 1095225038176ull;
  constexpr uint64_t kStepHigh = kStep >> 20;
  constexpr uint64_t kStepLow = kStep & ((uint64_t{1} << 20) - 1);
  std::array<uint64_t, 2049> decay{};
  decay[0] = kOne;
  for (int k = 1; k <= 2048; ++k) {
    const uint64_t d = decay[k - 1];  // < 2^41
    // (d * kStep) >> 40, rounded: d * kStep = d * kStepHigh * 2^20 + d * kStepLow.
    const uint64_t high = d * kStepHigh;  // < 2^61
    const uint64_t low = d * kStepLow;    // < 2^61
    decay[k] = (high + (low >> 20) + (uint64_t{1} << 19)) >> 20;
  }
  // squash(x) = 2^16 / (1 + e^(-x/256)); for x < 0 use 2^16 - squash(-x).
  for (int x = 0; x < 2048; ++x) {
    const uint64_t den = kOne + decay[x];
    uint64_t v = ((uint64_t{1} << 56) + den / 2) / den;
    if (v > 65535) v = 65535;
    t.squash16[x + 2048] = static_cast<uint16_t>(v);
  }
  for (int x = 1; x <= 2048; ++x) {
    const uint64_t den = kOne + decay[x];
    const uint64_t v = ((uint64_t{1} << 56) + den / 2) / den;
    int64_t neg = 65536 - static_cast<int64_t>(v);
    if (neg < 1) neg = 1;
    t.squash16[2048 - x] = static_cast<uint16_t>(neg);
  }
  // stretch12: inverse of the 12-bit squash, rounding to the nearest x.
  int p_next = 0;
  for (int x = -2047; x <= 2047; ++x) {
    const int v = t.squash16[x + 2048] >> 4;
    const int v_next = x < 2047 ? (t.squash16[x + 2049] >> 4) : 4096;
    const int upto = (v + v_next) / 2;  // probabilities nearer x than x + 1
    for (int p = p_next; p <= upto && p < 4096; ++p) t.stretch12[p] = static_cast<int16_t>(x);
    if (upto + 1 > p_next) p_next = upto + 1;
  }
  for (int p = p_next; p < 4096; ++p) t.stretch12[p] = 2047;
  return t;
}

// Largest count allowed for the larger of (n0, n1) given the smaller one.
constexpr int kMaxCount[] = {40, 24, 10, 6, 5, 5};
constexpr int kMaxSmallCount = 5;

constexpr bool Allowed(int n0, int n1) {
  const int lo = n0 < n1 ? n0 : n1;
  const int hi = n0 < n1 ? n1 : n0;
  return lo <= kMaxSmallCount && hi <= kMaxCount[lo];
}

// A count of the opposite bit above 2 loses half its excess when a bit arrives.
constexpr int Discount(int n) { return n <= 2 ? n : (n + 2) / 2; }

constexpr BitHistoryTables BuildBitHistory() {
  BitHistoryTables t{};
  // States are (n0, n1, last bit), the last bit kept only when both counts are
  // non-zero; ids follow breadth-first discovery from the empty history.
  int n = 1;  // state 0 = (0, 0, 0), already zero
  for (int i = 0; i < n; ++i) {
    for (int bit = 0; bit < 2; ++bit) {
      int a = t.zeros[i], b = t.ones[i];
      if (bit) {
        b += 1;
        a = Discount(a);
      } else {
        a += 1;
        b = Discount(b);
      }
      // Saturate the count just raised, or else shrink the other, until allowed.
      while (!Allowed(a, b)) {
        int& raised = bit ? b : a;
        int& other = bit ? a : b;
        if (raised > other) {
          --raised;
        } else {
          --other;
        }
      }
      const int last = (a > 0 && b > 0) ? bit : 0;
      int found = -1;
      for (int j = 0; j < n; ++j) {
        if (t.zeros[j] == a && t.ones[j] == b && t.last_bit[j] == last) found = j;
      }
      if (found < 0) {
        found = n++;
        t.zeros[found] = static_cast<uint8_t>(a);
        t.ones[found] = static_cast<uint8_t>(b);
        t.last_bit[found] = static_cast<uint8_t>(last);
      }
      t.next[i][bit] = static_cast<uint8_t>(found);
    }
  }
  t.used_states = n;
  return t;
}

constexpr ReciprocalTable BuildReciprocals() {
  ReciprocalTable t{};
  for (int n = 0; n < 1024; ++n) t.value[n] = static_cast<uint32_t>(131072 / (2 * n + 3));
  return t;
}

}  // namespace

constexpr LogisticTables kLogisticBuilt = BuildLogistic();
constexpr BitHistoryTables kBitHistoryBuilt = BuildBitHistory();
constexpr ReciprocalTable kReciprocalsBuilt = BuildReciprocals();
static_assert(kBitHistoryBuilt.used_states <= BitHistoryTables::kStates);

const LogisticTables kLogistic = kLogisticBuilt;
const BitHistoryTables kBitHistory = kBitHistoryBuilt;
const ReciprocalTable kReciprocals = kReciprocalsBuilt;

}  // namespace lmzip::cm
