#include "model/cm_signal.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "model/cm_tables.h"

namespace lmzip::cm {
namespace {

// Two-sided geometric distributions P(v) ~ theta^|v - mu| at 64 spreads. Level l has
// 1 - theta = 0.95 * 0.92^l (in 2^30 units); sum[l][n] = theta^0 + ... + theta^(n - 1)
// in 2^30 units;
// spread[l] = 2 theta / (1 - theta^2), the mean absolute deviation, in 1/64 units.
// power[l][f] = theta^(f/4) for f = 0..4, in 2^30 units (centres between integers).
struct GeometricTables {
  static constexpr int kLevels = 64;
  std::array<std::array<uint64_t, 258>, kLevels> sum;
  std::array<int32_t, kLevels> spread;
  std::array<std::array<uint64_t, 5>, kLevels> power;
  // -log2(theta) in 1/256 bits: a value's code length grows by it per unit of distance.
  std::array<int32_t, kLevels> slope;
};

constexpr uint64_t kOne = uint64_t{1} << 30;

// log2(v) in 1/256 units, rounded down, by repeated squaring. REQUIRES: v > 0.
constexpr int Log2Fine(uint64_t v) {
  int n = 0;
  while ((v >> n) > 1) ++n;
  // y = v / 2^n in [1, 2), 2^30 units.
  uint64_t y = n >= 30 ? v >> (n - 30) : v << (30 - n);
  int result = n * 256;
  for (int bit = 128; bit > 0; bit >>= 1) {
    y = (y * y) >> 30;
    if (y >= (uint64_t{2} << 30)) {
      y >>= 1;
      result += bit;
    }
  }
  return result;
}

// floor(sqrt(v)).
constexpr uint64_t SquareRoot(uint64_t v) {
  uint64_t r = 0;
  for (uint64_t bit = uint64_t{1} << 62; bit != 0; bit >>= 2) {
    if (v >= r + bit) {
      v -= r + bit;
      r = (r >> 1) + bit;
    } else {
      r >>= 1;
    }
  }
  return r;
}

constexpr GeometricTables BuildGeometric() {
  GeometricTables t{};
  uint64_t lambda = (kOne * 95 + 50) / 100;
  for (int l = 0; l < GeometricTables::kLevels; ++l) {
    const uint64_t theta = kOne - lambda;
    uint64_t w = kOne;
    t.sum[l][0] = 0;
    for (int k = 0; k <= 256; ++k) {
      t.sum[l][k + 1] = t.sum[l][k] + w;
      w = (w * theta + kOne / 2) >> 30;
    }
    const uint64_t a = (lambda * (kOne + theta)) >> 30;  // (1 - theta)(1 + theta)
    t.spread[l] = static_cast<int32_t>((128 * theta) / (a == 0 ? 1 : a));
    const uint64_t half = SquareRoot(theta << 30), quarter = SquareRoot(half << 30);
    t.power[l] = {kOne, quarter, half, (half * quarter) >> 30, theta};
    t.slope[l] = 30 * 256 - Log2Fine(theta);
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
constexpr std::array<int, SignalModel::kErrorBuckets> kBucketStart = {0, 1, 2, 3, 5, 8, 12, 18, 27, 41, 61, 91};

int BucketOf(int activity) {
  int b = 0;
  while (b + 1 < SignalModel::kErrorBuckets && activity >= kBucketStart[b + 1]) ++b;
  return b;
}

int Clamp255(int v) { return v < 0 ? 0 : (v > 255 ? 255 : v); }

// 0, 1 or 2 as `d` is negative, zero or positive.
int Sign3(int d) { return d < 0 ? 0 : (d > 0 ? 2 : 1); }

// Masses of value ranges under P(v) ~ theta^|v - centre| over 0..255, with `centre`
// in 1/4 units (0..1020) and spread `level`; unnormalised, at most 2^38.
class GeometricMass {
 public:
  GeometricMass(int centre, int level)
      : s_(kGeometric.sum[level]),
        m_(centre >> 2),
        // Values m, m - 1, ... weigh theta^(f/4) theta^k; values m + 1, m + 2, ...
        // weigh theta^((4 - f)/4) theta^k.
        below_(kGeometric.power[level][centre & 3]),
        above_(kGeometric.power[level][4 - (centre & 3)]) {}
  // The mass of values a..b. REQUIRES: 0 <= a <= b <= 255.
  uint64_t operator()(int a, int b) const {
    uint64_t low = 0, high = 0;
    if (a <= m_) low = s_[m_ - a + 1] - s_[m_ - std::min(b, m_)];
    if (b > m_) high = s_[b - m_] - s_[std::max(a, m_ + 1) - m_ - 1];
    return (((low >> 9) * below_) >> 21) + (((high >> 9) * above_) >> 21);
  }

 private:
  const std::array<uint64_t, 258>& s_;
  int m_;
  uint64_t below_, above_;
};

// P(next bit = 1) in 12 bits for a distribution P(v) ~ theta^|v - centre| over 0..255
// with `centre` in 1/4 units (0..1020) and spread `level`, given the bits of the byte
// so far (`c0` with a leading 1, `bit_pos` of them). With `m0_out` and `m1_out`, also
// the masses (GeometricMass units) of the values whose next bit is 0 and 1.
int BitProbabilityQuarter(int centre, int level, int c0, int bit_pos, uint64_t* m0_out = nullptr,
                          uint64_t* m1_out = nullptr) {
  const GeometricMass mass(centre, level);
  const int width = 256 >> bit_pos;
  const int lo = (c0 - (1 << bit_pos)) << (8 - bit_pos);
  const int mid = lo + (width >> 1);
  const uint64_t m0 = mass(lo, mid - 1), m1 = mass(mid, lo + width - 1);
  if (m0_out != nullptr) {
    *m0_out = m0;
    *m1_out = m1;
  }
  const uint64_t total = m0 + m1;
  if (total == 0) return 2048;
  const int p = static_cast<int>((m1 * 4096 + total / 2) / total);
  return std::clamp(p, 1, 4095);
}

// log2(x) in 1/16 units (the mantissa's first 4 bits taken linearly). REQUIRES: x > 0.
int Log2Sixteenths(uint64_t x) {
  const int n = 63 - __builtin_clzll(x);
  const int m = n >= 4 ? static_cast<int>((x >> (n - 4)) & 15) : static_cast<int>((x << (4 - n)) & 15);
  return n * 16 + m;
}

// 2^(-i/16) in 2^16 units, i = 0..kPow2Steps - 1.
constexpr int kPow2Steps = 512;
struct Pow2Table {
  std::array<uint32_t, kPow2Steps> v;
};
constexpr Pow2Table BuildPow2() {
  Pow2Table t{};
  uint64_t x = uint64_t{1} << 30;
  constexpr uint64_t kStep = 1028218111;  // 2^(-1/16) in 2^30 units
  for (int i = 0; i < kPow2Steps; ++i) {
    t.v[i] = static_cast<uint32_t>((x + (1 << 13)) >> 14);
    x = (x * kStep + (uint64_t{1} << 29)) >> 30;
  }
  return t;
}
constexpr Pow2Table kPow2 = BuildPow2();

// `value` (any real) rounded to 1/4 units and offset by 512, clamped to 0..1020.
int QuarterOf(double value) {
  if (!(value > -512.0)) return 0;  // also NaN
  if (value > 512.0) return 1020;
  return std::clamp(512 + static_cast<int>(std::floor(value * 4.0 + 0.5)), 0, 1020);
}

// Value-domain blend of predictions v[0..n-1] weighted by the inverse square of their
// recent local errors le[0..n-1]; in the units of v, rounded.
int WeightedBlend(const int* v, const int* le, int n) {
  int64_t num = 0, den = 0;
  for (int k = 0; k < n; ++k) {
    const int64_t w = (int64_t{1} << 24) / (static_cast<int64_t>(le[k]) * le[k] + 2);
    num += w * v[k];
    den += w;
  }
  return static_cast<int>((num + den / 2) / den);
}

// The blend of values in 1/4 units (0..1020).
int BlendQuarters(const int* q, const int* le, int n) { return std::clamp(WeightedBlend(q, le, n), 0, 1020); }

// The residual bins of SignalModel's shape: each residual -8..8 alone, then on each
// side widths 4, 8, 16, 32, 64 and 123 (|r| from 9, 13, 21, 37, 69 and 133).
constexpr std::array<int, 7> kShapeCoarseStart = {9, 13, 21, 37, 69, 133, 256};
// The smallest residual of each bin, and one past the last bin's largest.
constexpr std::array<int, 30> kShapeStart = {-255, -132, -68, -36, -20, -12, -8, -7, -6, -5, -4, -3, -2, -1, 0,
                                             1,    2,    3,   4,   5,   6,   7,  8,  9,  13, 21, 37, 69, 133, 256};

constexpr int ShapeBinOf(int r) {
  const int a = r < 0 ? -r : r;
  if (a <= 8) return r + 14;
  int c = 0;
  while (a >= kShapeCoarseStart[c + 1]) ++c;
  return r > 0 ? 23 + c : 5 - c;
}

// bin[r + 255]: the bin of residual r (-255..255).
struct ShapeBins {
  std::array<uint8_t, 511> bin;
};

constexpr ShapeBins BuildShapeBins() {
  ShapeBins t{};
  for (int r = -255; r <= 255; ++r) t.bin[r + 255] = static_cast<uint8_t>(ShapeBinOf(r));
  return t;
}

constexpr ShapeBins kShapeBinTable = BuildShapeBins();
constexpr bool ShapeStartsAgree() {
  for (int b = 0; b < SignalModel::kShapeBins; ++b) {
    for (int r = kShapeStart[b]; r < kShapeStart[b + 1]; ++r) {
      if (ShapeBinOf(r) != b) return false;
    }
  }
  return true;
}
static_assert(ShapeBinOf(255) + 1 == SignalModel::kShapeBins && ShapeBinOf(-255) == 0 && ShapeStartsAgree());

}  // namespace

SignalModel::SignalModel() {
  // A predictor's mean absolute error is about a third of its recent local errors.
  for (int k = 0; k < kPredictors; ++k) {
    for (int b = 0; b < kErrorBuckets; ++b) {
      const int center = b + 1 < kErrorBuckets ? (kBucketStart[b] + kBucketStart[b + 1]) / 2 : 120;
      spread_[k][b] = 40 + center * 24;
    }
  }
  // Image LMS: 0.625 W + 0.625 N - 0.5 NW + 0.25 NE, as offsets from W.
  image_lms_.SetWeight(0, 40960);
  image_lms_.SetWeight(1, -32768);
  image_lms_.SetWeight(2, 16384);
  PredictImage();
  PredictAudio();
  BuildShape();
}

void SignalModel::Predict(int c0, int bit_pos, int16_t* x) {
  int out = 0;
  const bool image = BetterBlend() == kImageBlend;
  // The better group's mixture: the masses of the values whose next bit is 0 and 1,
  // below 2^30 x 2^26 per predictor.
  const int mixture_first = image ? 0 : kImagePredictors, mixture_end = image ? kImagePredictors : kPredictors;
  uint64_t mixture0 = 0, mixture1 = 0;
  for (int k = 0; k < kPredictors; ++k) {
    uint64_t m0, m1;
    const int st = Stretch(BitProbabilityQuarter(quarter_[k], level_[k], c0, bit_pos, &m0, &m1));
    if (k >= mixture_first && k < mixture_end) {
      mixture0 += (m0 >> 8) * mixture_factor_[k];
      mixture1 += (m1 >> 8) * mixture_factor_[k];
    }
    if (k < kImagePredictors) {
      image_x_[static_cast<size_t>(k)] = st;
      if (MixerOnly(k)) continue;
    } else {
      audio_x_[static_cast<size_t>(k - kImagePredictors)] = st;
    }
    x[out++] = static_cast<int16_t>(st);
  }
  {
    // The mixture keeps each predictor's shape where they disagree, with weights by
    // how well each coded the nearby bytes.
    const uint64_t m0 = mixture0 >> 12, m1 = mixture1 >> 12;
    const uint64_t total = m0 + m1;
    const int p = total == 0 ? 2048 : std::clamp(static_cast<int>((m1 * 4096 + total / 2) / total), 1, 4095);
    x[out++] = static_cast<int16_t>(Stretch(p));
  }
  // While the image blend errs less than the audio blend (else zero): with the learned
  // spread and a narrower one the mixer can make a distribution more peaked than a
  // geometric one.
  for (const int k : {kImageWideOls, kWideWindowSlot}) {
    const int level = std::max(level_[k] - kNarrowerLevels, 0);
    x[out++] = static_cast<int16_t>(image ? Stretch(BitProbabilityQuarter(quarter_[k], level, c0, bit_pos)) : 0);
  }
  x[out] = static_cast<int16_t>(image_mixer_.Mix(image_x_.data(), (bucket_[kImageBlend] / 3) * 8 + bit_pos));
  x[out + 1] = static_cast<int16_t>(audio_mixer_.Mix(audio_x_.data(), bucket_[kAudioBlend] * 8 + bit_pos));
}

int SignalModel::ApmContext(int c0, int bit_pos) const {
  const int k = BetterBlend();
  const int which = k == kAudioBlend ? 1 : 0;
  return ((which * kErrorBuckets + bucket_[k]) * 8 + bit_pos) * kRelations + Relation(c0, bit_pos);
}

int SignalModel::Relation(int c0, int bit_pos) const {
  const int mu = predicted_[BetterBlend()];
  const int prefix = c0 - (1 << bit_pos);
  const int mu_prefix = mu >> (8 - bit_pos);
  int relation;
  if (mu_prefix < prefix) {
    relation = 0;
  } else if (mu_prefix > prefix) {
    relation = 1;
  } else {
    relation = 2 + (((mu << bit_pos) & 255) >> 6);  // the next two bits of the value
  }
  return relation;
}

int SignalModel::DistanceContext(int c0, int bit_pos) const {
  constexpr int kAudioOls = kImagePredictors + 6;
  const bool image = BetterBlend() == kImageBlend;
  const int k = image ? kImageWideOls : kAudioOls;
  const int width = 256 >> bit_pos;
  const int lo = (c0 - (1 << bit_pos)) << (8 - bit_pos);
  // The boundary lies half-way between the values lo + width / 2 - 1 and lo + width / 2.
  const int d = quarter_[k] - (4 * (lo + width / 2) - 2);
  const int magnitude = d < 0 ? -d : d;
  const int steps = magnitude == 0 ? 0 : std::min(32 - __builtin_clz(static_cast<unsigned>(magnitude)), 11);
  return ((((image ? 0 : 4) + std::min(bucket_[k] / 3, 3)) * 8 + bit_pos) * 2 + (d >= 0 ? 1 : 0)) * 12 + steps;
}

void SignalModel::Update(int bit) {
  image_mixer_.Update(image_x_.data(), bit, 3);
  audio_mixer_.Update(audio_x_.data(), bit, 3);
}

void SignalModel::EndByte(uint8_t byte, int stride, bool predict_next) {
  const size_t at = pos_ & (kHistory - 1);
  if (predicted_next_) {
    Learn(byte, at);
  } else {
    errors_[at].fill(0);
    costs_[at].fill(0);
    residual_[at] = 0;
    near_window_.Skip(pos_);
    wide_window_.Skip(pos_);
  }
  history_[at] = byte;
  ++pos_;
  stride_ = std::clamp(stride, 1, kMaxStride);
  predicted_next_ = predict_next;
  if (predict_next) {
    PredictImage();
    PredictAudio();
    BuildShape();
  } else {
    shape_ready_ = false;
  }
}

void SignalModel::BuildShape() {
  shape_ready_ = BetterBlend() == kImageBlend;
  if (!shape_ready_) return;
  const int k = kImageBlend;
  const int centre = quarter_[k];
  const int apart = std::abs(quarter_[kImageWideOls] - centre);  // 1/4 units
  const int steps = apart < 2 ? 0 : std::min(31 - __builtin_clz(static_cast<unsigned>(apart)), 7);
  shape_context_ = static_cast<uint8_t>((bucket_[k] / 3) * 8 + steps);
  shape_centre_ = predicted_[k];
  shape_flip_ = quarter_[kImageWideOls] < centre;
  const GeometricMass mass(centre, level_[k]);
  const auto& observed = shape_observed_[shape_context_];
  const auto& expected = shape_expected_[shape_context_];
  // The bins in the order of their values (ascending residuals, or descending while
  // flipped), each with its values clamped to 0..255 and its geometric mass.
  std::array<uint64_t, kShapeBins> bin_mass;
  uint64_t total = 0, cumulative = 0;
  for (int j = 0; j < kShapeBins; ++j) {
    const int b = shape_flip_ ? kShapeBins - 1 - j : j;
    int first = shape_flip_ ? shape_centre_ - (kShapeStart[b + 1] - 1) : shape_centre_ + kShapeStart[b];
    int last = shape_flip_ ? shape_centre_ - kShapeStart[b] : shape_centre_ + kShapeStart[b + 1] - 1;
    first = std::max(first, 0);
    last = std::min(last, 255);
    const uint64_t m = first <= last ? mass(first, last) : 0;
    bin_mass[b] = m;
    total += m;
    // (observed + 2) / (expected + 2), 1/4096 units: at most 2^19.
    const uint64_t ratio = ((uint64_t{observed[b]} + 512) << 12) / ((expected[b] >> 8) + 512);
    shape_first_[j] = static_cast<int16_t>(first);
    shape_ratio_[j] = static_cast<uint32_t>(ratio);
    shape_base_[j] = cumulative;
    cumulative += ((m >> 8) * ratio) >> 8;
    if (first <= last) std::fill(shape_segment_.begin() + first, shape_segment_.begin() + last + 1, static_cast<uint8_t>(j));
  }
  shape_total_ = cumulative;
  // Shares by one reciprocal: masses in 2^-14 units of the total's, and total >= 2^14
  // (the centre's value alone weighs about 2^29).
  const uint64_t scaled_total = (total >> 14) + 1;
  const uint64_t reciprocal = (uint64_t{1} << 62) / scaled_total;
  for (int b = 0; b < kShapeBins; ++b) {
    shape_share_[b] = static_cast<uint32_t>(((bin_mass[b] >> 14) * reciprocal) >> 46);
  }
  shape_level_ = level_[k];
  shape_quarter_ = static_cast<int16_t>(centre);
}

uint64_t SignalModel::ShapeMassBelow(int value) const {
  if (value >= 256) return shape_total_;
  const int j = shape_segment_[static_cast<size_t>(value)];
  if (value == shape_first_[j]) return shape_base_[j];
  const GeometricMass mass(shape_quarter_, shape_level_);
  return shape_base_[j] + (((mass(shape_first_[j], value - 1) >> 8) * shape_ratio_[j]) >> 8);
}

void SignalModel::LearnShape(uint8_t byte) {
  if (!shape_ready_) return;
  auto& observed = shape_observed_[shape_context_];
  auto& expected = shape_expected_[shape_context_];
  const int r = shape_flip_ ? shape_centre_ - byte : byte - shape_centre_;
  const int bin = kShapeBinTable.bin[static_cast<size_t>(r + 255)];
  observed[bin] = static_cast<uint16_t>(observed[bin] + 256);
  for (int b = 0; b < kShapeBins; ++b) expected[b] += shape_share_[b];
  uint8_t& seen = shape_seen_[shape_context_];
  if (++seen >= kShapeLimit) {
    seen >>= 1;
    for (uint16_t& n : observed) n >>= 1;
    for (uint32_t& n : expected) n >>= 1;
  }
}

int SignalModel::ShapeBitProbability(int c0, int bit_pos) const {
  const int width = 256 >> bit_pos;
  const int lo = (c0 - (1 << bit_pos)) << (8 - bit_pos);
  const int mid = lo + (width >> 1);
  const uint64_t at_lo = ShapeMassBelow(lo), at_mid = ShapeMassBelow(mid);
  const uint64_t m0 = at_mid - at_lo, m1 = ShapeMassBelow(lo + width) - at_mid;
  const uint64_t total = m0 + m1;
  if (total == 0) return 2048;
  return std::clamp(static_cast<int>((m1 * 4096 + total / 2) / total), 1, 4095);
}

int SignalModel::RefineFinal(int p, int c0, int bit_pos, int parts) {
  final_pending_ = shape_ready_;
  if (!shape_ready_) return p;
  final_plain_ = std::clamp(p, 1, 65535);
  final_refined_ = std::clamp(((parts - 1) * p + (ShapeBitProbability(c0, bit_pos) << 4)) / parts, 1, 65535);
  return refined_error_ < plain_error_ ? final_refined_ : p;
}

void SignalModel::FinalUpdate(int bit) {
  if (!final_pending_) return;
  final_pending_ = false;
  const auto squared = [bit](int q) {
    const int64_t e = bit ? 65536 - q : q;
    return static_cast<int32_t>((e * e) >> 16);
  };
  refined_error_ += (squared(final_refined_) - refined_error_) >> 8;
  plain_error_ += (squared(final_plain_) - plain_error_) >> 8;
}

// Each predictor's error in its bucket, and the LMS weights.
void SignalModel::Learn(uint8_t byte, size_t at) {
  LearnShape(byte);
  residual_[at] = static_cast<int8_t>(std::clamp(static_cast<int>(byte) - predicted_[kImageWideOls], -127, 127));
  near_window_.Learn(pos_, static_cast<int>(byte) - image_base_);
  wide_window_.Learn(pos_, static_cast<int>(byte) - image_base_);
  for (int k = 0; k < kPredictors; ++k) {
    const int error = std::abs(static_cast<int>(byte) - predicted_[k]);
    errors_[at][k] = static_cast<uint8_t>(error);
    {
      // -log2 of the byte's mass: the centre value weighs 2^30, each quarter unit away
      // theta^(1/4) less.
      const int away = std::abs(4 * static_cast<int>(byte) - quarter_[k]);
      const int cost = mixture_log_total_[k] - 30 * 16 + ((away * kGeometric.slope[level_[k]]) >> 6);
      costs_[at][k] = static_cast<uint8_t>(std::clamp(cost, 0, 255));
    }
    const int b = bucket_[k];
    uint8_t& n = counts_[k][b];
    int32_t& spread = spread_[k][b];
    spread += (error * 64 - spread) * 2 / (n + 4);
    if (n < 28) ++n;
  }
  for (int i = 0; i < 2; ++i) {
    uint8_t& m = bias_counts_[i][bias_ctx_[i]];
    int32_t& bias = bias_[i][bias_ctx_[i]];
    const int error = (static_cast<int>(byte) * 4 - raw_blend_[i]) * 16;
    bias += (error - bias) / (m + 2);
    if (m < kBiasLimit) ++m;
  }
  image_lms_.Update((static_cast<int>(byte) - image_base_) * 16 - image_lms_prediction_, 2);
  for (int i = 0; i < 2; ++i) {
    const int error = errors_[at][i == 0 ? kImageBlend : kAudioBlend];
    blend_error_[i] += (error * 256 - blend_error_[i]) >> 4;
  }
  if (pos_ < 64 || blend_error_[0] <= blend_error_[1]) {
    image_ols_.Update(static_cast<double>(static_cast<int>(byte) - image_base_));
    image_wide_ols_.Update(static_cast<double>(static_cast<int>(byte) - image_base_));
    image_local_ols_.Update(static_cast<double>(static_cast<int>(byte) - image_base_));
    image_stack_.Update(static_cast<double>(static_cast<int>(byte) - image_base_));
  }
  // The least-squares statistics learn every sample (O(order) each); the weights,
  // the costliest part, are re-solved over a chunk's first bytes and then only while
  // the audio blend errs less than the image blend.
  const double sample = static_cast<int>(byte) - 128;
  const bool solve = pos_ < 64 || blend_error_[1] < blend_error_[0];
  audio_ols4_.Update(sample, solve);
  audio_ols8_.Update(sample, solve);
  audio_ols12_.Update(sample, solve);
  audio_ols_.Update(sample, solve);
  audio_ols_slow_.Update(sample, solve);
  audio_ols32_.Update(sample, solve);
  if (solve) audio_stack_.Update(sample);
  for (CascadeStage& stage : cascade_) stage.Learn(byte);
}

void SignalModel::PredictImage() {
  const int s = stride_;
  // Rows start at multiples of the stride; neighbours beyond the row's ends repeat
  // the nearest pixel inside it, and above the first row the row above is taken to
  // repeat the pixel to the left.
  const int column = static_cast<int>(pos_ % static_cast<uint64_t>(s));
  const bool has_above = Back(s) >= 0;
  const bool has_two = Back(2 * s) >= 0;
  const int left_n = column >= 1 ? Back(1) : (has_above ? Back(s) : 128);
  const int w = left_n < 0 ? 128 : left_n;
  const int ww = column >= 2 ? Back(2) : w;
  const int n = has_above ? Back(s) : w;
  const int nw = has_above && column >= 1 ? Back(s + 1) : n;
  const int nww = has_above && column >= 2 ? Back(s + 2) : nw;
  const int ne = has_above && column + 1 < s ? Back(s - 1) : n;
  const int nee = has_above && column + 2 < s ? Back(s - 2) : ne;
  const int nn = has_two ? Back(2 * s) : n;
  const int nne = has_two && column + 1 < s ? Back(2 * s - 1) : nn;

  // Each predictor's value in 1/4 units (0..1020), the centre of its distribution.
  std::array<int, kImagePredictors> q{};
  q[0] = 4 * w;
  q[1] = 4 * n;
  q[2] = 4 * Clamp255(w + n - nw);
  {
    // The neighbour nearest to left + above - above-left (a Paeth-like choice).
    const int g = w + n - nw;
    const int dw = std::abs(g - w), dn = std::abs(g - n), dnw = std::abs(g - nw);
    q[3] = 4 * (dw <= dn && dw <= dnw ? w : (dn <= dnw ? n : nw));
  }
  // q[4] and q[7]: the window predictors (below).
  q[5] = 2 * (w + n);
  q[6] = 4 * Clamp255(n + ne - nne);
  q[8] = 4 * Clamp255(2 * n - nn);
  const std::array<int32_t, 8> lms_in = {n - w, nw - w, ne - w, ww - w, nn - w, nne - w, nww - w, nee - w};
  image_lms_prediction_ = image_lms_.Predict(lms_in.data());
  image_base_ = w;
  q[10] = std::clamp(4 * w + ((image_lms_prediction_ + 2) >> 2), 0, 1020);
  {
    const bool has_three = Back(3 * s) >= 0;
    const int nnn = has_three ? Back(3 * s) : nn;
    const int nnw = has_two && column >= 1 ? Back(2 * s + 1) : nn;
    const int www = column >= 3 ? Back(3) : ww;
    const int nnee = has_two && column + 2 < s ? Back(2 * s - 2) : nne;
    const std::array<int, kImageOlsOrder> in = {n, nw, ne, ww, nn, nne, nww, nee, nnw, www, nnn, nnee};
    std::array<double, kImageOlsOrder> x;
    for (int i = 0; i < kImageOlsOrder; ++i) x[i] = static_cast<double>(in[i] - w);
    // QuarterOf centres on 128.
    q[11] = std::clamp(QuarterOf(image_ols_.Predict(x.data())) + 4 * (w - 128), 0, 1020);
    const int nnww = has_two && column >= 2 ? Back(2 * s + 2) : nnw;
    const int neee = has_above && column + 3 < s ? Back(s - 3) : nee;
    const int nwww = has_above && column >= 3 ? Back(s + 3) : nww;
    const int nnnw = has_three && column >= 1 ? Back(3 * s + 1) : nnn;
    const int nnne = has_three && column + 1 < s ? Back(3 * s - 1) : nnn;
    const int nneee = has_two && column + 3 < s ? Back(2 * s - 3) : nnee;
    const int nnwww = has_two && column >= 3 ? Back(2 * s + 3) : nnww;
    const int wwww = column >= 4 ? Back(4) : www;
    const std::array<int, kImageWideOrder - kImageOlsOrder> more = {nnww, neee, nwww, nnnw, nnne, nneee, nnwww, wwww};
    std::array<double, kImageWideOrder + 1> xw;
    for (int i = 0; i < kImageOlsOrder; ++i) xw[i] = x[i];
    for (int i = kImageOlsOrder; i < kImageWideOrder; ++i) xw[i] = static_cast<double>(more[i - kImageOlsOrder] - w);
    xw[kImageWideOrder] = kImageBiasInput;
    q[12] = std::clamp(QuarterOf(image_wide_ols_.Predict(xw.data())) + 4 * (w - 128), 0, 1020);
    const std::array<double, kImageLocalOrder> xl = {x[0], x[1], x[2], x[3], x[4], x[7]};
    q[13] = std::clamp(QuarterOf(image_local_ols_.Predict(xl.data())) + 4 * (w - 128), 0, 1020);
    std::array<int16_t, kImageLocalOrder> near_in;
    for (int i = 0; i < kImageLocalOrder; ++i) near_in[i] = static_cast<int16_t>(xl[i]);
    near_window_.Record(pos_, near_in);
    std::array<int16_t, kImageOlsOrder> wide_in;
    for (int i = 0; i < kImageOlsOrder; ++i) wide_in[i] = static_cast<int16_t>(x[i]);
    wide_window_.Record(pos_, wide_in);
    // A window that cannot be solved keeps the weights of the last that could.
    if (pos_ < 64 || blend_error_[0] <= blend_error_[1]) {
      const bool near_early = pos_ < static_cast<uint64_t>(kNearWindow.rows) * static_cast<uint64_t>(s);
      near_window_.Fit(pos_, column, s, kNearWindow.rows, kNearWindow.columns,
                       near_early ? kNearWindowEarlyLeft : kNearWindow.columns, kNearWindow.ridge, near_weights_);
      if (pos_ % kWideWindowInterval == 0) {
        const int wide_rows = std::min(kWideWindow.rows, (PixelWindow<kImageOlsOrder>::kLength - 2 - kWideWindow.columns) / s);
        wide_window_.Fit(pos_, column, s, wide_rows, kWideWindow.columns, kWideWindow.columns, kWideWindow.ridge,
                         wide_weights_);
      }
    }
    std::array<double, kImageLocalOrder> near_unused;
    q[kNearWindowSlot] = std::clamp(QuarterOf(LinearPrediction(near_weights_, xl.data(), near_unused)) + 4 * (w - 128), 0, 1020);
    std::array<double, kImageOlsOrder> wide_unused;
    q[kWideWindowSlot] = std::clamp(QuarterOf(LinearPrediction(wide_weights_, x.data(), wide_unused)) + 4 * (w - 128), 0, 1020);
  }
  {
    // The stack, from the other predictors' values (pixel units, relative to the left
    // pixel), a bias and the error feedback.
    std::array<double, kImageStackOrder> in{};
    int i = 0;
    for (int k = 1; k < kImagePredictors - 1; ++k) {
      if (k != kImageStack) in[static_cast<size_t>(i++)] = (q[k] - 4 * w) * 0.25;
    }
    in[static_cast<size_t>(i++)] = kImageBiasInput;
    const int r_n = has_above ? ResidualBack(s) : 0;
    in[static_cast<size_t>(i++)] = column >= 1 ? ResidualBack(1) : r_n;
    in[static_cast<size_t>(i++)] = r_n;
    in[static_cast<size_t>(i++)] = has_above && column >= 1 ? ResidualBack(s + 1) : r_n;
    in[static_cast<size_t>(i++)] = has_above && column + 1 < s ? ResidualBack(s - 1) : r_n;
    q[kImageStack] = std::clamp(QuarterOf(image_stack_.Predict(in.data())) + 4 * (w - 128), 0, 1020);
  }
  // Local error of each predictor: its errors at the left, above, above-left and
  // above-right pixels.
  std::array<int, kImagePredictors> le{};
  for (int k = 0; k < kImagePredictors; ++k) le[k] = LocalSum(errors_, k, s, column, has_above);
  constexpr int kBlend = kImagePredictors - 1;
  const int texture = (Sign3(w - nw) * 3 + Sign3(n - nw)) * 3 + Sign3(ne - n);
  q[kBlend] = CorrectedBlend(0, q.data(), le.data(), kBlend, std::min(BucketOf(le[kBlend]) / 3, 3) * 27 + texture);
  SetPredictions(0, q.data(), le.data(), kImagePredictors);
}

void SignalModel::PredictAudio() {
  std::array<double, 32> in{};
  for (int i = 0; i < 32; ++i) in[i] = Back(i + 1) < 0 ? 0.0 : static_cast<double>(Back(i + 1) - 128);
  const int c1 = Back(1) < 0 ? 128 : Back(1), c2 = Back(2) < 0 ? 128 : Back(2), c3 = Back(3) < 0 ? 128 : Back(3);
  // Values in 1/4 units (the sample 128 is 512).
  std::array<int, kAudioPredictors> q{};
  q[0] = QuarterOf(audio_ols4_.Predict(in.data()));
  q[1] = 4 * Clamp255(2 * c1 - c2);
  q[2] = QuarterOf(audio_ols8_.Predict(in.data()));
  q[3] = QuarterOf(audio_ols32_.Predict(in.data()));
  q[4] = QuarterOf(audio_ols12_.Predict(in.data()));
  q[5] = QuarterOf(audio_ols_slow_.Predict(in.data()));
  {
    const double ols = audio_ols_.Predict(in.data());
    const int rounded = Clamp255(128 + static_cast<int>(std::floor(ols + 0.5)));
    q[6] = std::clamp(QuarterOf(ols) + ((cascade_[0].Correction(rounded) + 2) >> 2), 0, 1020);
  }
  {
    // The stack takes the place of the order-1 extrapolation, after reading it.
    std::array<double, kStacked> values;
    for (int k = 0; k < kStacked; ++k) values[k] = (q[k] - 512) * 0.25;
    const double stacked = audio_stack_.Predict(values.data());
    const int rounded = Clamp255(128 + static_cast<int>(std::floor(stacked + 0.5)));
    q[1] = std::clamp(QuarterOf(stacked) + ((cascade_[1].Correction(rounded) + 2) >> 2), 0, 1020);
  }
  // Local error: the predictor's errors at the last four samples.
  std::array<int, kAudioPredictors> le{};
  for (int k = 0; k < kAudioPredictors; ++k) {
    const int j = kImagePredictors + k;
    le[k] = ErrorBack(j, 1) + ErrorBack(j, 2) + ((ErrorBack(j, 3) + ErrorBack(j, 4)) >> 1);
  }
  constexpr int kBlend = kAudioPredictors - 1;
  const int context = std::min(BucketOf(le[kBlend]) / 3, 3) * 9 + Sign3(c1 - c2) * 3 + Sign3(c2 - c3);
  q[kBlend] = CorrectedBlend(1, q.data(), le.data(), kBlend, context);
  SetPredictions(kImagePredictors, q.data(), le.data(), kAudioPredictors);
}

int SignalModel::LocalSum(const PredictorHistory& h, int k, int stride, int column, bool has_above) const {
  if (!has_above) return 2 * EntryBack(h, k, 1) + EntryBack(h, k, 2);
  const int n = EntryBack(h, k, stride);
  const int w = column >= 1 ? EntryBack(h, k, 1) : n;
  const int nw = column >= 1 ? EntryBack(h, k, stride + 1) : n;
  const int ne = column + 1 < stride ? EntryBack(h, k, stride - 1) : n;
  return w + n + ((nw + ne) >> 1);
}

int SignalModel::CorrectedBlend(int which, const int* q, const int* le, int n, int context) {
  const int raw = BlendQuarters(q, le, n);
  raw_blend_[which] = static_cast<int16_t>(raw);
  bias_ctx_[which] = static_cast<uint8_t>(context);
  if (bias_counts_[which][context] < 2) return raw;
  return std::clamp(raw + ((bias_[which][context] + 8) >> 4), 0, 1020);  // 1/64 to 1/4 units
}

void SignalModel::SetPredictions(int first, const int* q, const int* le, int n) {
  for (int k = 0; k < n; ++k) {
    const int j = first + k;
    quarter_[j] = static_cast<int16_t>(q[k]);
    predicted_[j] = static_cast<int16_t>((q[k] + 2) >> 2);
    bucket_[j] = static_cast<uint8_t>(BucketOf(le[k]));
    level_[j] = static_cast<uint8_t>(LevelOf(spread_[j][bucket_[j]]));
  }
  SetMixture(first, n);
}

void SignalModel::SetMixture(int first, int n) {
  // Each predictor's local code length (1/16 bits), as its local error: for images at
  // the left, above, above-left and above-right pixels, else at the last two bytes.
  const int s = stride_;
  const int column = static_cast<int>(pos_ % static_cast<uint64_t>(s));
  const bool rows_above = first == 0 && Back(s) >= 0;
  std::array<int, kPredictors> local{};
  int best = 1 << 30;
  for (int k = 0; k < n; ++k) {
    const int j = first + k;
    local[k] = LocalSum(costs_, j, s, column, rows_above);
    best = std::min(best, local[k]);
  }
  for (int k = 0; k < n; ++k) {
    const int j = first + k;
    // The total mass is at least the centre value's, about 2^26 or more.
    const uint64_t total = std::max<uint64_t>(GeometricMass(quarter_[j], level_[j])(0, 255), 1);
    mixture_log_total_[j] = static_cast<int16_t>(Log2Sixteenths(total));
    const int step = ((local[k] - best) * kMixtureEta) >> 4;
    const uint64_t weight = step >= kPow2Steps ? 0 : kPow2.v[static_cast<size_t>(step)];
    mixture_factor_[j] = static_cast<uint32_t>(std::min<uint64_t>((weight << 36) / total, uint64_t{1} << 26));
  }
}

void SignalModel::Sanitize() {
  for (auto& row : spread_) {
    for (int32_t& s : row) s = std::clamp(s, 0, 64 * 256);
  }
  for (auto& row : counts_) {
    for (uint8_t& n : row) n = std::min<uint8_t>(n, 28);
  }
  stride_ = std::clamp(stride_, 1, kMaxStride);
  for (int32_t& e : blend_error_) e = std::clamp(e, 0, 256 * 256);
  for (auto& row : bias_) {
    for (int32_t& b : row) b = std::clamp(b, -64 * 255, 64 * 255);
  }
  for (auto& row : bias_counts_) {
    for (uint8_t& n : row) n = std::min<uint8_t>(n, kBiasLimit);
  }
  for (uint8_t& n : shape_seen_) n = std::min<uint8_t>(n, kShapeLimit - 1);
  for (auto& row : shape_observed_) {
    for (uint16_t& n : row) n = std::min<uint16_t>(n, 256 * kShapeLimit);
  }
  for (auto& row : shape_expected_) {
    for (uint32_t& n : row) n = std::min<uint32_t>(n, 65536u * kShapeLimit);
  }
  for (double& v : near_weights_) v = SaneWeight(v) ? v : 0.0;
  for (double& v : wide_weights_) v = SaneWeight(v) ? v : 0.0;
  refined_error_ = std::clamp(refined_error_, 0, 65536);
  plain_error_ = std::clamp(plain_error_, 0, 65536);
  final_pending_ = false;
  // Predictions, buckets, levels and the shape's masses follow from the history.
  PredictImage();
  PredictAudio();
  BuildShape();
}

}  // namespace lmzip::cm
