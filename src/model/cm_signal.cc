#include "model/cm_signal.h"

#include <algorithm>
#include <cstdlib>

#include "model/cm_tables.h"

namespace lmzip::cm {
namespace {

// Two-sided geometric distributions P(v) ~ theta^|v - mu| at 64 spreads. Level l has
// 1 - theta = 0.95 * 0.92^l (in 2^30 units); weight[l][k] = theta^k and
// sum[l][n] = weight[l][0] + ... + weight[l][n - 1], both in 2^30 units;
// spread[l] = 2 theta / (1 - theta^2), the mean absolute deviation, in 1/64 units.
struct GeometricTables {
  static constexpr int kLevels = 64;
  std::array<std::array<uint32_t, 257>, kLevels> weight;
  std::array<std::array<uint64_t, 258>, kLevels> sum;
  std::array<int32_t, kLevels> spread;
};

constexpr uint64_t kOne = uint64_t{1} << 30;

constexpr GeometricTables BuildGeometric() {
  GeometricTables t{};
  uint64_t lambda = (kOne * 95 + 50) / 100;
  for (int l = 0; l < GeometricTables::kLevels; ++l) {
    const uint64_t theta = kOne - lambda;
    uint64_t w = kOne;
    t.sum[l][0] = 0;
    for (int k = 0; k <= 256; ++k) {
      t.weight[l][k] = static_cast<uint32_t>(w);
      t.sum[l][k + 1] = t.sum[l][k] + w;
      w = (w * theta + kOne / 2) >> 30;
    }
    const uint64_t a = (lambda * (kOne + theta)) >> 30;  // (1 - theta)(1 + theta)
    t.spread[l] = static_cast<int32_t>((128 * theta) / (a == 0 ? 1 : a));
    lambda = (lambda * 92 + 50) / 100;
  }
  return t;
}

const GeometricTables kGeometric = BuildGeometric();

// Smallest level whose spread is at least `spread` (1/64 units).
int LevelOf(int32_t spread) {
  int lo = 0, hi = GeometricTables::kLevels - 1;
  while (lo < hi) {
    const int mid = (lo + hi) >> 1;
    if (kGeometric.spread[mid] >= spread) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

// Activity thresholds: bucket b holds activities in [kBucketStart[b], kBucketStart[b + 1]).
constexpr std::array<int, SignalModel::kActivityBuckets> kBucketStart = {0, 1, 2, 3, 5, 8, 12, 18, 27, 41, 61, 91};

int BucketOf(int activity) {
  int b = 0;
  while (b + 1 < SignalModel::kActivityBuckets && activity >= kBucketStart[b + 1]) ++b;
  return b;
}

int Clamp255(int v) { return v < 0 ? 0 : (v > 255 ? 255 : v); }

// P(next bit = 1) in 12 bits, for value `mu` with spread `level`, given the bits of
// the byte so far (`c0` with a leading 1, `bit_pos` of them).
int BitProbability(int mu, int level, int c0, int bit_pos) {
  const auto& w = kGeometric.weight[level];
  const auto& s = kGeometric.sum[level];
  const int width = 256 >> bit_pos;
  const int half = width >> 1;
  const int lo = (c0 - (1 << bit_pos)) << (8 - bit_pos);
  const int mid = lo + half;
  const int hi = lo + width - 1;
  uint64_t m0, m1;  // masses of the lower and upper halves, relative
  if (mu < lo) {
    m0 = s[half];
    m1 = s[width] - s[half];
  } else if (mu > hi) {
    m1 = s[half];
    m0 = s[width] - s[half];
  } else if (mu < mid) {
    m0 = s[mid - mu] + s[mu - lo + 1] - kOne;
    m1 = ((w[mid - mu] >> 6) * (s[half] >> 6)) >> 18;
  } else {
    m1 = s[hi - mu + 1] + s[mu - mid + 1] - kOne;
    m0 = ((w[mu - mid + 1] >> 6) * (s[half] >> 6)) >> 18;
  }
  const uint64_t total = m0 + m1;
  if (total == 0) return 2048;
  const int p = static_cast<int>((m1 * 4096 + total / 2) / total);
  return std::clamp(p, 1, 4095);
}

}  // namespace

SignalModel::SignalModel() {
  // Expected mean absolute error at each activity: about a third of the activity.
  for (int k = 0; k < kPredictors; ++k) {
    for (int b = 0; b < kActivityBuckets; ++b) {
      const int center = b + 1 < kActivityBuckets ? (kBucketStart[b] + kBucketStart[b + 1]) / 2 : 120;
      spread_[k][b] = 40 + center * 24;
    }
  }
  // Image LMS: 0.625 W + 0.625 N - 0.5 NW + 0.25 NE, as offsets from W.
  image_lms_.SetWeight(0, 40960);
  image_lms_.SetWeight(1, -32768);
  image_lms_.SetWeight(2, 16384);
  // Audio LMS: a damped linear extrapolation.
  audio_lms_short_.SetWeight(0, 91750);
  audio_lms_short_.SetWeight(1, -32768);
  audio_lms_long_.SetWeight(0, 91750);
  audio_lms_long_.SetWeight(1, -32768);
  for (int k = 0; k < kPredictors; ++k) predicted_[k] = 128;
  level_.fill(static_cast<uint8_t>(LevelOf(spread_[0][0])));
  PredictImage();
  PredictAudio();
}

void SignalModel::Predict(int c0, int bit_pos, int32_t* x) const {
  for (int k = 0; k < kPredictors; ++k) {
    x[k] = Stretch(BitProbability(predicted_[k], level_[k], c0, bit_pos));
  }
}

void SignalModel::EndByte(uint8_t byte, int stride) {
  // Learn: each predictor's error in its activity bucket, and the LMS weights.
  for (int k = 0; k < kPredictors; ++k) {
    const int b = bucket_[k < kImagePredictors ? 0 : 1];
    const int error = std::abs(static_cast<int>(byte) - predicted_[k]) * 64;
    uint8_t& n = counts_[static_cast<size_t>(k) * kActivityBuckets + b];
    int32_t& spread = spread_[k][b];
    spread += (error - spread) * 2 / (n + 4);
    if (n < 28) ++n;
  }
  const int w = Back(1) < 0 ? 128 : Back(1);
  image_lms_.Update((static_cast<int>(byte) - w) * 16 - image_lms_prediction_, 2);
  audio_lms_short_.Update((static_cast<int>(byte) - 128) * 16 - audio_lms_short_prediction_, 3);
  audio_lms_long_.Update((static_cast<int>(byte) - 128) * 16 - audio_lms_long_prediction_, 4);

  history_[pos_ & (kHistory - 1)] = byte;
  ++pos_;
  stride_ = std::clamp(stride, 1, kMaxStride);
  PredictImage();
  PredictAudio();
}

void SignalModel::PredictImage() {
  const int s = stride_;
  const int w = Back(1) < 0 ? 128 : Back(1);
  const int ww = Back(2) < 0 ? w : Back(2);
  // Above the first row, the row above is taken to repeat the pixel to the left.
  const bool has_above = Back(s + 1) >= 0;
  const int n = has_above ? Back(s) : w;
  const int nw = has_above ? Back(s + 1) : w;
  const int ne = has_above && s > 1 ? Back(s - 1) : n;
  const int nwW = has_above && Back(s + 2) >= 0 ? Back(s + 2) : nw;
  const int nee = has_above && s > 2 ? Back(s - 2) : ne;
  const bool has_two = Back(2 * s + 1) >= 0;
  const int nn = has_two ? Back(2 * s) : n;
  const int nne = has_two && s > 1 ? Back(2 * s - 1) : ne;

  std::array<int, kImagePredictors> v{};
  v[0] = w;
  v[1] = n;
  v[2] = Clamp255(w + n - nw);
  v[3] = nw >= std::max(w, n) ? std::min(w, n) : (nw <= std::min(w, n) ? std::max(w, n) : w + n - nw);
  v[4] = (w + ne + 1) >> 1;
  v[5] = (w + n + 1) >> 1;
  v[6] = Clamp255(n + ne - nne);
  v[7] = Clamp255(w + ne - n);
  v[8] = Clamp255(2 * n - nn);
  v[9] = Clamp255(2 * w - ww);
  const std::array<int32_t, 8> lms_in = {n - w, nw - w, ne - w, ww - w, nn - w, nne - w, nwW - w, nee - w};
  image_lms_prediction_ = image_lms_.Predict(lms_in.data());
  v[10] = Clamp255(w + ((image_lms_prediction_ + 8) >> 4));
  {
    const int g = w + n - nw;
    const int dw = std::abs(g - w), dn = std::abs(g - n), dnw = std::abs(g - nw);
    v[11] = dw <= dn && dw <= dnw ? w : (dn <= dnw ? n : nw);
  }
  const int activity = std::abs(w - nw) + std::abs(n - nw) + std::abs(n - ne) + (std::abs(w - ww) >> 1);
  bucket_[0] = static_cast<uint8_t>(BucketOf(activity));
  for (int k = 0; k < kImagePredictors; ++k) {
    predicted_[k] = static_cast<int16_t>(v[k]);
    level_[k] = static_cast<uint8_t>(LevelOf(spread_[k][bucket_[0]]));
  }
}

void SignalModel::PredictAudio() {
  std::array<int32_t, 24> x{};
  for (int i = 0; i < 24; ++i) x[i] = Back(i + 1) < 0 ? 0 : Back(i + 1) - 128;
  const int c1 = x[0] + 128, c2 = x[1] + 128, c3 = x[2] + 128;
  std::array<int, kAudioPredictors> v{};
  v[0] = c1;
  v[1] = Clamp255(2 * c1 - c2);
  v[2] = Clamp255(3 * c1 - 3 * c2 + c3);
  v[3] = Clamp255((3 * c1 - c2 + 1) >> 1);
  audio_lms_short_prediction_ = audio_lms_short_.Predict(x.data());
  audio_lms_long_prediction_ = audio_lms_long_.Predict(x.data());
  v[4] = Clamp255(128 + ((audio_lms_short_prediction_ + 8) >> 4));
  v[5] = Clamp255(128 + ((audio_lms_long_prediction_ + 8) >> 4));
  const int activity = std::abs(x[0] - x[1]) + std::abs(x[1] - x[2]) + (std::abs(x[2] - x[3]) >> 1);
  bucket_[1] = static_cast<uint8_t>(BucketOf(activity));
  for (int k = 0; k < kAudioPredictors; ++k) {
    predicted_[kImagePredictors + k] = static_cast<int16_t>(v[k]);
    level_[kImagePredictors + k] = static_cast<uint8_t>(LevelOf(spread_[kImagePredictors + k][bucket_[1]]));
  }
}

void SignalModel::Sanitize() {
  for (auto& row : spread_) {
    for (int32_t& s : row) s = std::clamp(s, 0, 64 * 256);
  }
  for (uint8_t& n : counts_) n = std::min<uint8_t>(n, 28);
  stride_ = std::clamp(stride_, 1, kMaxStride);
  // Predictions and levels follow from the history.
  PredictImage();
  PredictAudio();
}

}  // namespace lmzip::cm
