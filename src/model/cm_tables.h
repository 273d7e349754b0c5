// Constant tables of the context-mixing model, built once by integer arithmetic so
// that every machine gets the very same values.
//
// Units: a "12-bit probability" is P(bit == 1) in units of 1/4096; a "stretched"
// value is the logit ln(p / (1 - p)) in units of 1/256, clamped to [-2047, 2047].
#pragma once

#include <array>
#include <cstdint>

namespace lmzip::cm {

inline constexpr int kStretchMax = 2047;

struct LogisticTables {
  // squash16[x + 2048]: 65536 / (1 + e^(-x/256)) for x in [-2048, 2047], in [1, 65535].
  std::array<uint16_t, 4096> squash16;
  // stretch12[p]: the x whose squash is nearest p, for a 12-bit probability p.
  std::array<int16_t, 4096> stretch12;
};

// The tables, computed at compile time.
extern const LogisticTables kLogistic;
inline const LogisticTables& Logistic() { return kLogistic; }

// 12-bit probability of a stretched value x (clamped to [-2047, 2047]).
inline int Squash(int x) {
  if (x > kStretchMax) x = kStretchMax;
  if (x < -kStretchMax) x = -kStretchMax;
  return Logistic().squash16[x + 2048] >> 4;
}
// 16-bit probability of a stretched value x (clamped to [-2047, 2047]).
inline int Squash16(int x) {
  if (x > kStretchMax) x = kStretchMax;
  if (x < -kStretchMax) x = -kStretchMax;
  return Logistic().squash16[x + 2048];
}
// Stretched value of a 12-bit probability p in [0, 4095].
inline int Stretch(int p) { return Logistic().stretch12[p]; }

// Bit histories: a state in one byte summarises the bits seen in a context as
// (count of zeros, count of ones, last bit), with counts bounded and the opposite
// count discounted when a bit arrives, so that the state follows change.
struct BitHistoryTables {
  static constexpr int kStates = 256;
  std::array<std::array<uint8_t, 2>, kStates> next;  // next[state][bit]
  std::array<uint8_t, kStates> zeros;                // n0 of each state
  std::array<uint8_t, kStates> ones;                 // n1 of each state
  std::array<uint8_t, kStates> last_bit;             // last bit seen (0 if none)
  int used_states = 0;                               // states 0..used_states-1 exist
};

// The state machine, computed at compile time; state 0 is the empty history.
extern const BitHistoryTables kBitHistory;
inline const BitHistoryTables& BitHistory() { return kBitHistory; }

// Reciprocals for count-based learning rates: kReciprocal[n] = 65536 / (n + 1.5).
struct ReciprocalTable {
  std::array<uint32_t, 1024> value;
};
extern const ReciprocalTable kReciprocals;
inline const ReciprocalTable& Reciprocals() { return kReciprocals; }

}  // namespace lmzip::cm
