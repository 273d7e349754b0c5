// Predictors of sampled signals for the context-mixing model: 8-bit grayscale images
// (one byte per pixel in rows of a known stride) and 8-bit audio (one unsigned byte per
// sample). Each predictor guesses the next byte's value; with a spread learned from its
// past errors (per local-activity bucket) the guess becomes a two-sided geometric
// distribution over 0..255 centred on the guess in 1/4 units, and from it the
// probability of each next bit given the bits of the byte seen so far. Those
// probabilities, stretched, are mixer inputs.
// The two blends of predictors are corrected by their learned mean signed error in a
// small context before their distributions are built. Each set of predictors has a
// least-squares stack: a predictor over the values of the others.
//
// Integer arithmetic throughout, but for the least-squares predictors (doubles in a
// fixed order of operations). The spreads start at values that fit natural images
// and speech, so the inputs are useful from the first bytes of a chunk.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include <emmintrin.h>

#include "model/cm_components.h"

namespace lmzip::cm {

// A normalised least-mean-squares linear predictor of `kOrder` inputs (integers in
// [-255, 255]); weights are 16.16 fixed point.
template <int kOrder>
class LmsPredictor {
 public:
  // Prediction from `x` (kOrder values), in 1/16 units of the inputs; remembers `x`.
  int Predict(const int32_t* x) {
    int64_t sum = 0;
    energy_ = 0;
    for (int i = 0; i < kOrder; ++i) {
      x_[i] = x[i];
      sum += static_cast<int64_t>(weights_[i]) * x[i];
      energy_ += x[i] * x[i];
    }
    return static_cast<int>(sum >> 12);
  }
  // `error`: the true value minus the prediction, in 1/16 units. `shift` sets the
  // step: 2^-shift of the normalised gradient.
  void Update(int error, int shift) {
    const int64_t norm = (static_cast<int64_t>(energy_) + 16 * kOrder) << shift;
    for (int i = 0; i < kOrder; ++i) {
      int64_t w = weights_[i] + (static_cast<int64_t>(error) * x_[i] * 4096) / norm;
      if (w > (1 << 20)) w = 1 << 20;
      if (w < -(1 << 20)) w = -(1 << 20);
      weights_[i] = static_cast<int32_t>(w);
    }
  }
  void SetWeight(int i, int32_t w) { weights_[i] = w; }

  template <typename Archive>
  void Serialize(Archive& ar) {
    ar.Bytes(weights_.data(), sizeof weights_);
    ar.Bytes(x_.data(), sizeof x_);
    ar.Pod(energy_);
    if (Archive::kLoading) {
      energy_ = 0;
      for (int32_t& v : x_) {
        v = v > 255 ? 255 : (v < -255 ? -255 : v);
        energy_ += v * v;
      }
      for (int32_t& w : weights_) w = w > (1 << 20) ? (1 << 20) : (w < -(1 << 20) ? -(1 << 20) : w);
    }
  }

 private:
  std::array<int32_t, kOrder> weights_{};
  std::array<int32_t, kOrder> x_{};
  int32_t energy_ = 0;
};

// a[0] b[0] + ... + a[n-1] b[n-1] as two partial sums (of the even and of the odd
// terms, in order) added at the end: SSE2, which every x86-64 CPU has, computes each
// lane as the scalar code would.
inline double DotProduct(const double* a, const double* b, int n) {
  __m128d sum2 = _mm_setzero_pd();
  int k = 0;
  for (; k + 2 <= n; k += 2) sum2 = _mm_add_pd(sum2, _mm_mul_pd(_mm_loadu_pd(a + k), _mm_loadu_pd(b + k)));
  double lanes[2];
  _mm_storeu_pd(lanes, sum2);
  double sum = lanes[0] + lanes[1];
  if (k < n) sum += a[k] * b[k];
  return sum;
}

// Whether a least-squares weight is usable: finite and below 1e6 in magnitude (NaN
// fails). Solutions, loaded states and restored weights are held to it.
inline bool SaneWeight(double v) { return v > -1e6 && v < 1e6; }

// Solves (a + ridge I) w = b for the kOrder x kOrder symmetric matrix whose lower
// triangle a(i, j) (j <= i) gives, by Cholesky factorisation, in a fixed order of
// double operations. Returns false, leaving `w` as it was, if the matrix is not
// positive definite or a weight is not SaneWeight.
template <int kOrder, typename Lower>
bool SolveRidge(const Lower& a, const double* b, double ridge, std::array<double, kOrder>& w) {
  std::array<double, kOrder * kOrder> l;
  std::array<double, kOrder> inverse;  // 1 / l[i][i]
  for (int i = 0; i < kOrder; ++i) {
    double* li = &l[static_cast<size_t>(i) * kOrder];
    for (int j = 0; j <= i; ++j) {
      const double* lj = &l[static_cast<size_t>(j) * kOrder];
      const double sum = a(i, j) + (i == j ? ridge : 0.0) - DotProduct(li, lj, j);
      if (i == j) {
        if (!(sum > 1e-9)) return false;
        li[i] = std::sqrt(sum);
        inverse[i] = 1.0 / li[i];
      } else {
        li[j] = sum * inverse[j];
      }
    }
  }
  std::array<double, kOrder> z;
  for (int i = 0; i < kOrder; ++i) {
    z[i] = (b[i] - DotProduct(&l[static_cast<size_t>(i) * kOrder], z.data(), i)) * inverse[i];
  }
  std::array<double, kOrder> solved;
  for (int i = kOrder - 1; i >= 0; --i) {
    double sum = z[i];
    for (int k = i + 1; k < kOrder; ++k) sum -= l[static_cast<size_t>(k) * kOrder + i] * solved[k];
    solved[i] = sum * inverse[i];
  }
  for (int i = 0; i < kOrder; ++i) {
    if (!SaneWeight(solved[i])) return false;
  }
  w = solved;
  return true;
}

// weights . x clamped to [-1024, 1024] (NaN to -1024); copies x to `remembered`.
template <size_t kOrder>
double LinearPrediction(const std::array<double, kOrder>& weights, const double* x,
                        std::array<double, kOrder>& remembered) {
  double sum = 0;
  for (size_t i = 0; i < kOrder; ++i) {
    remembered[i] = x[i];
    sum += weights[i] * x[i];
  }
  if (!(sum > -1024.0)) return -1024.0;
  return sum < 1024.0 ? sum : 1024.0;
}

// A least-squares linear predictor of `kOrder` inputs over all past samples with
// exponential forgetting (the weight of a sample k steps back is lambda^k), ridge
// regularised; the weights are re-solved (Cholesky) every `interval` samples.
// Doubles in a fixed order of operations (no contraction), so every x86-64 CPU
// computes the same values; non-finite results are never returned.
template <int kOrder>
class OlsPredictor {
 public:
  OlsPredictor(double lambda, double ridge, int interval)
      : lambda_(lambda), ridge_(ridge), interval_(interval) {}

  // Prediction from `x` (kOrder values of magnitude at most 512), clamped to
  // [-1024, 1024]; remembers `x`.
  double Predict(const double* x) { return LinearPrediction(weights_, x, x_); }
  // Learns `y`, the true value for the last Predict.
  void Update(double y) {
    const double keep = lambda_, take = 1.0 - lambda_;
    for (int i = 0; i < kOrder; ++i) {
      const double xi = x_[i] * take;
      double* row = &cov_[static_cast<size_t>(i) * kOrder];
      for (int j = 0; j <= i; ++j) row[j] = keep * row[j] + xi * x_[j];
      target_[i] = keep * target_[i] + xi * y;
    }
    if (++since_solve_ >= interval_) {
      since_solve_ = 0;
      SolveRidge<kOrder>([this](int i, int j) { return cov_[static_cast<size_t>(i) * kOrder + j]; },
                         target_.data(), ridge_, weights_);
    }
  }

  template <typename Archive>
  void Serialize(Archive& ar) {
    ar.Bytes(weights_.data(), sizeof weights_);
    ar.Bytes(x_.data(), sizeof x_);
    ar.Bytes(cov_.data(), sizeof cov_);
    ar.Bytes(target_.data(), sizeof target_);
    ar.Pod(since_solve_);
    if (Archive::kLoading) {
      // Hostile values: anything not finite or out of range restarts the statistics.
      bool sane = since_solve_ >= 0 && since_solve_ < interval_;
      for (double v : weights_) sane = sane && SaneWeight(v);
      for (double v : x_) sane = sane && v >= -1024 && v <= 1024;
      for (double v : cov_) sane = sane && v > -1e12 && v < 1e12;
      for (double v : target_) sane = sane && v > -1e12 && v < 1e12;
      if (!sane) {
        weights_.fill(0);
        x_.fill(0);
        cov_.fill(0);
        target_.fill(0);
        since_solve_ = 0;
      }
    }
  }

 private:
  double lambda_, ridge_;
  int interval_;
  std::array<double, kOrder> weights_{};
  std::array<double, kOrder> x_{};
  // Lower triangle of the forgetting-weighted covariance of the inputs, and their
  // covariance with the target.
  std::array<double, kOrder * kOrder> cov_{};
  std::array<double, kOrder> target_{};
  int32_t since_solve_ = 0;
};

// Least squares as OlsPredictor for a series predicted from its own last kOrder
// values, learning every value of the series in turn. The forgetting-weighted
// covariance of lagged values is then a shifted copy of earlier ones (entry (i, j),
// j >= i, is entry (0, j - i) of i steps back), so learning a value costs O(kOrder)
// and only the re-solve costs O(kOrder^3).
template <int kOrder>
class SeriesOlsPredictor {
 public:
  SeriesOlsPredictor(double lambda, double ridge, int interval)
      : lambda_(lambda), ridge_(ridge), interval_(interval) {}

  // Prediction from `x`, the series' last kOrder values (most recent first, magnitude
  // at most 512: the ones the learned values make), clamped to [-1024, 1024].
  double Predict(const double* x) { return LinearPrediction(weights_, x, x_); }
  // Learns `y`, the series' value after the last Predict's; re-solves the weights if
  // `solve` and `interval` values have been learned since the last re-solve.
  void Update(double y, bool solve) {
    const double keep = lambda_, take = 1.0 - lambda_;
    const double* last = Row(0);
    newest_ = newest_ + 1 == kOrder + 1 ? 0 : newest_ + 1;
    double* row = rows_[static_cast<size_t>(newest_)].data();
    const double ty = take * y;
    row[0] = keep * last[0] + ty * y;
    for (int j = 1; j <= kOrder; ++j) row[j] = keep * last[j] + ty * x_[j - 1];
    if (since_solve_ < interval_) ++since_solve_;
    if (solve && since_solve_ >= interval_) {
      since_solve_ = 0;
      // Covariance (i, j), j <= i: row j + 1 back, lag i - j; target i: the newest row
      // at lag i + 1.
      SolveRidge<kOrder>([this](int i, int j) { return Row(j + 1)[i - j]; }, row + 1, ridge_, weights_);
    }
  }

  template <typename Archive>
  void Serialize(Archive& ar) {
    ar.Bytes(weights_.data(), sizeof weights_);
    ar.Bytes(x_.data(), sizeof x_);
    ar.Bytes(rows_.data(), sizeof rows_);
    ar.Pod(newest_);
    ar.Pod(since_solve_);
    if (Archive::kLoading) {
      // Hostile values: anything not finite or out of range restarts the statistics.
      bool sane = newest_ >= 0 && newest_ <= kOrder && since_solve_ >= 0 && since_solve_ <= interval_;
      for (double v : weights_) sane = sane && SaneWeight(v);
      for (double v : x_) sane = sane && v >= -1024 && v <= 1024;
      for (const auto& r : rows_) {
        for (double v : r) sane = sane && v > -1e12 && v < 1e12;
      }
      if (!sane) {
        weights_.fill(0);
        x_.fill(0);
        for (auto& r : rows_) r.fill(0);
        newest_ = 0;
        since_solve_ = 0;
      }
    }
  }

 private:
  // The row learned `back` values ago (0: the newest).
  const double* Row(int back) const {
    const int k = newest_ - back;
    return rows_[static_cast<size_t>(k < 0 ? k + kOrder + 1 : k)].data();
  }

  double lambda_, ridge_;
  int interval_;
  std::array<double, kOrder> weights_{};
  std::array<double, kOrder> x_{};
  // Ring of the last kOrder + 1 rows: row t holds, at lag j, the forgetting-weighted
  // mean of (value) x (value j before it) over the values up to the t-th learned.
  std::array<std::array<double, kOrder + 1>, kOrder + 1> rows_{};
  int32_t newest_ = 0;
  int32_t since_solve_ = 0;
};

// A cascade stage: corrects a predictor by a normalised LMS of order 4 (step 2^-2,
// weights from zero) that predicts the predictor's next error (true sample minus its
// rounded value, clamped to [-255, 255]) from its last four errors.
class CascadeStage {
 public:
  // The correction, in 1/16 units, to the predictor's value `rounded` (0..255) for the
  // next sample; remembers `rounded` for Learn.
  int Correction(int rounded) {
    rounded_ = rounded;
    prediction_ = lms_.Predict(errors_.data());
    return prediction_;
  }
  // Learns the true sample (0..255) after Correction.
  void Learn(int sample) {
    const int error = std::clamp(sample - rounded_, -255, 255);
    lms_.Update(error * 16 - prediction_, 2);
    for (size_t i = errors_.size() - 1; i > 0; --i) errors_[i] = errors_[i - 1];
    errors_[0] = error;
  }

  template <typename Archive>
  void Serialize(Archive& ar) {
    lms_.Serialize(ar);
    ar.Bytes(errors_.data(), sizeof errors_);
    if (Archive::kLoading) {
      for (int32_t& e : errors_) e = std::clamp(e, -255, 255);
    }
  }

 private:
  LmsPredictor<4> lms_;
  std::array<int32_t, 4> errors_{};  // most recent first
  // Follow from the history: the last Correction's input and output.
  int32_t prediction_ = 0;
  int rounded_ = 128;
};

// The pixels of an image seen so far, each with kOrder inputs and a target (integers
// in [-255, 255], e.g. neighbours and value relative to the pixel to the left), for
// least squares over a window of causal pixels near the next one, solved afresh for
// each pixel: where a forgetting least-squares predictor weighs pixels by their
// distance in the scan, a window weighs them by their distance in the image (the
// rows above near the column as much as the row's last pixels). The sums are exact
// integers, the solve is SolveRidge's: the same on every x86-64 CPU. Each pixel's
// products (inputs x inputs, inputs x target, and a count) are summed along the scan
// as it is learned, so a window's sums cost two lookups per row of the window.
template <int kOrder>
class PixelWindow {
 public:
  // Pixels remembered: a window reaches at most kLength - 2 pixels back.
  static constexpr int kLength = 4096;
  // Records the inputs of the pixel at position `pos` (its target not known yet).
  void Record(uint64_t pos, const std::array<int16_t, kOrder>& x) {
    auto& e = inputs_[pos & (kLength - 1)];
    for (int i = 0; i < kOrder; ++i) e[i] = std::clamp<int16_t>(x[i], -255, 255);
  }
  // The target of the pixel at `pos`, recorded last (clamped to [-255, 255]).
  void Learn(uint64_t pos, int y) {
    const auto& x = inputs_[pos & (kLength - 1)];
    y = std::clamp(y, -255, 255);
    std::array<uint32_t, kTerms> terms;
    int t = 0;
    for (int i = 0; i < kOrder; ++i) {
      for (int j = 0; j <= i; ++j) terms[t++] = static_cast<uint32_t>(x[i] * x[j]);
    }
    for (int i = 0; i < kOrder; ++i) terms[t++] = static_cast<uint32_t>(x[i] * y);
    terms[t] = 1;
    Append(pos, terms);
  }
  // Leaves the position out of every window (not a pixel: no sample).
  void Skip(uint64_t pos) { Append(pos, std::array<uint32_t, kTerms>{}); }

  // Least-squares weights for the pixel at `pos` (`column` of rows of `stride`
  // pixels) from the learned pixels of the `rows` rows above within `columns` columns
  // either side and the `left` pixels to its left (positions 0..pos - 1 only), with
  // ridge `ridge` per sample. Returns false, leaving `w` as it was, with fewer than two
  // samples or no solution. REQUIRES: rows * stride + max(columns, left) < kLength - 1,
  // 0 <= column < stride.
  bool Fit(uint64_t pos, int column, int stride, int rows, int columns, int left, double ridge,
           std::array<double, kOrder>& w) const {
    // Sums modulo 2^32 of the products over positions first..last (first <= last <
    // pos): exact, as a window's true sums stay below 2^31.
    std::array<uint32_t, kTerms> sum{};
    const auto add = [&](uint64_t first, uint64_t last) {
      const auto& hi = sums_[last & (kLength - 1)];
      const auto& lo = sums_[(first - 1) & (kLength - 1)];
      for (int t = 0; t < kTerms; ++t) sum[t] += hi[t] - lo[t];
    };
    for (int dr = 1; dr <= rows; ++dr) {
      const uint64_t back = static_cast<uint64_t>(dr) * static_cast<uint64_t>(stride);
      if (back > pos) break;
      const int lo = std::max(column - columns, 0), hi = std::min(column + columns, stride - 1);
      const uint64_t first = pos - back - static_cast<uint64_t>(column - lo);
      const uint64_t last = pos - back + static_cast<uint64_t>(hi - column);
      // Positions before 0 are not pixels of this stream.
      const uint64_t start = static_cast<uint64_t>(column - lo) > pos - back ? 0 : first;
      add(start, last);
    }
    if (column > 0 && left > 0) add(pos - static_cast<uint64_t>(std::min(column, left)), pos - 1);
    const int count = static_cast<int32_t>(sum[kTerms - 1]);
    if (count < 2) return false;
    constexpr int kCross = kOrder * (kOrder + 1) / 2;
    std::array<double, kOrder> b;
    for (int i = 0; i < kOrder; ++i) b[i] = static_cast<int32_t>(sum[kCross + i]);
    return SolveRidge<kOrder>(
        [&sum](int i, int j) { return static_cast<double>(static_cast<int32_t>(sum[i * (i + 1) / 2 + j])); },
        b.data(), ridge * count, w);
  }

  template <typename Archive>
  void Serialize(Archive& ar) {
    ar.Bytes(inputs_.data(), sizeof inputs_);
    ar.Bytes(sums_.data(), sizeof sums_);
    if (Archive::kLoading) {
      for (auto& e : inputs_) {
        for (int16_t& v : e) v = std::clamp<int16_t>(v, -255, 255);
      }
    }
  }

 private:
  // Products per pixel: the lower triangle of inputs x inputs, inputs x target, 1.
  static constexpr int kTerms = kOrder * (kOrder + 1) / 2 + kOrder + 1;
  // sums_[pos] = sums_[pos - 1] + `terms` (modulo 2^32).
  void Append(uint64_t pos, const std::array<uint32_t, kTerms>& terms) {
    const auto& before = sums_[(pos - 1) & (kLength - 1)];
    auto& now = sums_[pos & (kLength - 1)];
    for (int t = 0; t < kTerms; ++t) now[t] = before[t] + terms[t];
  }

  std::array<std::array<int16_t, kOrder>, kLength> inputs_{};
  // The products of the pixels up to each position, summed along the scan.
  std::array<std::array<uint32_t, kTerms>, kLength> sums_{};
};

class SignalModel {
 public:
  static constexpr int kImagePredictors = 15;
  static constexpr int kAudioPredictors = 8;
  static constexpr int kPredictors = kImagePredictors + kAudioPredictors;
  // Image predictors whose inputs go to the image predictors' mixer alone (the main
  // mixer codes images smaller without them): the left pixel, left + above -
  // above-left, the Paeth-like choice and (left + above) / 2.
  static constexpr bool MixerOnly(int k) { return k == 0 || k == 2 || k == 3 || k == 5; }
  static constexpr int kMixerOnlyInputs = 4;
  // The mixture of the better group's distributions (image or audio predictors, see
  // mixture_factor_), and the 20-neighbour least-squares predictor and the wide
  // pixel window (kWideWindowSlot) under a narrower spread: kNarrowerLevels levels
  // below their learned one (about 0.78 times the mean absolute deviation).
  static constexpr int kNarrowInputs = 3;
  static constexpr int kNarrowerLevels = 3;
  // One input per predictor but the mixer-only ones, the narrow inputs, then the
  // image and the audio predictors mixed.
  static constexpr int kInputs = kPredictors - kMixerOnlyInputs + kNarrowInputs + 2;
  static constexpr int kErrorBuckets = 12;
  // Bins of the image blend's residuals (see shape_observed_).
  static constexpr int kShapeBins = 29;
  static constexpr int kMaxStride = 1024;

  SignalModel();

  // Stretched probabilities (units of 1/256) that the next bit is 1, kInputs of them.
  // `c0`: the bits of the current byte with a leading 1; `bit_pos`: how many, 0..7.
  void Predict(int c0, int bit_pos, int16_t* x);
  // Learns the bit after Predict.
  void Update(int bit);
  // A context for refining the final probability, below kApmContexts: which blend
  // (image or audio) has the smaller learned spread, its error bucket, the bit
  // position, and where its predicted value lies against the bits of the byte so far.
  // Valid after Predict, for the same `c0` and `bit_pos`.
  static constexpr int kApmContexts = 2 * kErrorBuckets * 8 * 6;
  int ApmContext(int c0, int bit_pos) const;
  // Where the better blend's predicted value lies against the bits of the byte so
  // far, below kRelations: below, above, or within (with its next two bits). Valid
  // after Predict, for the same `c0` and `bit_pos`.
  static constexpr int kRelations = 6;
  int Relation(int c0, int bit_pos) const;
  // A second context for refining the final probability, below kDistanceContexts:
  // a least-squares predictor's value (the 20-neighbour one's while the image blend
  // is the better, else the cascaded order-16 audio one's) against the boundary
  // between the two halves of the values the bits so far allow: the side, the
  // distance (1/4 units) in 12 log2 steps, with the bit position, the predictor's
  // error bucket in four groups and whether it is the image or the audio one. Valid
  // after Predict.
  static constexpr int kDistanceContexts = 2 * 4 * 8 * 2 * 12;
  int DistanceContext(int c0, int bit_pos) const;
  // The error bucket of the blend (image or audio) with the smaller learned spread,
  // plus kErrorBuckets for audio: below 2 * kErrorBuckets. Valid after EndByte.
  int BetterBlendBucket() const {
    const int k = BetterBlend();
    return k == kAudioBlend ? kErrorBuckets + bucket_[k] : bucket_[k];
  }

  // The final probability `p` (16 bits, of the whole model) refined by the image
  // blend's residual shape: while the image blend is the better blend, the average
  // of `parts` - 1 parts `p` and one part the probability of the next bit under that
  // blend's distribution refined per residual bin (see shape_observed_), once that
  // average has coded this chunk's recent bits better than `p` alone (mean squared
  // error), else `p`. Call once per bit after Predict; then FinalUpdate.
  // REQUIRES: parts >= 2.
  int RefineFinal(int p, int c0, int bit_pos, int parts);
  void FinalUpdate(int bit);

  // After a whole byte: records it, learns from it if it was predicted, and predicts
  // the next byte if `predict_next` (else, while the input is text, the predictors
  // rest: Predict must not be called for that byte). `stride`: the row length of 2-D
  // data in bytes (clamped to 1..kMaxStride).
  void EndByte(uint8_t byte, int stride, bool predict_next);

  template <typename Archive>
  void Serialize(Archive& ar) {
    ar.Bytes(history_.data(), sizeof history_);
    ar.Bytes(errors_.data(), sizeof errors_);
    ar.Bytes(costs_.data(), sizeof costs_);
    ar.Pod(pos_);
    ar.Bytes(spread_.data(), sizeof spread_);
    ar.Bytes(counts_.data(), sizeof counts_);
    image_lms_.Serialize(ar);
    audio_ols4_.Serialize(ar);
    audio_ols8_.Serialize(ar);
    audio_ols12_.Serialize(ar);
    audio_ols_.Serialize(ar);
    image_ols_.Serialize(ar);
    image_wide_ols_.Serialize(ar);
    image_local_ols_.Serialize(ar);
    near_window_.Serialize(ar);
    wide_window_.Serialize(ar);
    ar.Bytes(near_weights_.data(), sizeof near_weights_);
    ar.Bytes(wide_weights_.data(), sizeof wide_weights_);
    image_stack_.Serialize(ar);
    ar.Bytes(residual_.data(), sizeof residual_);
    audio_ols_slow_.Serialize(ar);
    audio_ols32_.Serialize(ar);
    audio_stack_.Serialize(ar);
    for (CascadeStage& stage : cascade_) stage.Serialize(ar);
    ar.Bytes(blend_error_.data(), sizeof blend_error_);
    ar.Bytes(bias_.data(), sizeof bias_);
    ar.Bytes(bias_counts_.data(), sizeof bias_counts_);
    image_mixer_.Serialize(ar);
    audio_mixer_.Serialize(ar);
    ar.Bytes(shape_observed_.data(), sizeof shape_observed_);
    ar.Bytes(shape_expected_.data(), sizeof shape_expected_);
    ar.Bytes(shape_seen_.data(), sizeof shape_seen_);
    ar.Pod(refined_error_);
    ar.Pod(plain_error_);
    ar.Pod(stride_);
    uint8_t predicted_next = predicted_next_ ? 1 : 0;
    ar.Pod(predicted_next);
    predicted_next_ = predicted_next != 0;
    if (Archive::kLoading) Sanitize();
  }

 private:
  static constexpr int kHistory = 4096;  // > 2 * kMaxStride + 2
  // The byte n back, or -1 before the start.
  int Back(int n) const { return static_cast<uint64_t>(n) > pos_ ? -1 : history_[(pos_ - n) & (kHistory - 1)]; }
  // The signed error of the 20-neighbour least-squares predictor n bytes back (0
  // before the start).
  int ResidualBack(int n) const {
    return static_cast<uint64_t>(n) > pos_ ? 0 : residual_[(pos_ - n) & (kHistory - 1)];
  }
  // Per-predictor values at each past byte (errors_, costs_): byte-major, so that a
  // byte's entries share a cache line (rows of kHistory bytes per predictor all fell
  // in one cache set).
  using PredictorHistory = std::array<std::array<uint8_t, kPredictors>, kHistory>;
  // Predictor k's entry in `h` for the byte n back (0 before the start).
  int EntryBack(const PredictorHistory& h, int k, int n) const {
    return static_cast<uint64_t>(n) > pos_ ? 0 : h[(pos_ - n) & (kHistory - 1)][k];
  }
  // Predictor k's absolute error n bytes back (0 before the start).
  int ErrorBack(int k, int n) const { return EntryBack(errors_, k, n); }
  // Predictor k's entries in `h` around the next pixel (`column` of rows of `stride`),
  // weighed: with a row above, left + above + (above-left + above-right) / 2, a
  // neighbour beyond the row's ends taken as the one above; else 2 x the last + the
  // one before.
  int LocalSum(const PredictorHistory& h, int k, int stride, int column, bool has_above) const;
  // The last image and the last audio predictor: the blends of the others.
  static constexpr int kImageBlend = kImagePredictors - 1, kAudioBlend = kPredictors - 1;
  // The image stack's slot, and the 20-neighbour least-squares predictor's.
  static constexpr int kImageStack = 9, kImageWideOls = 12;
  // The blend (kImageBlend or kAudioBlend) with the smaller learned spread.
  int BetterBlend() const { return level_[kAudioBlend] < level_[kImageBlend] ? kAudioBlend : kImageBlend; }

  void Learn(uint8_t byte, size_t at);
  void PredictImage();
  void PredictAudio();
  // The blend of values q[0..n-1] (1/4 units) weighted by their local errors
  // le[0..n-1], corrected by the learned bias of blend `which` (0 image, 1 audio) in
  // `context` (below kBiasContexts); remembers the uncorrected blend and the context
  // for Learn.
  int CorrectedBlend(int which, const int* q, const int* le, int n, int context);
  // Records for the next byte predictors first..first+n-1's values q (1/4 units) and
  // local errors le: their centres, rounded values, error buckets and spread levels.
  void SetPredictions(int first, const int* q, const int* le, int n);
  void Sanitize();

  std::array<uint8_t, kHistory> history_{};
  // Each predictor's absolute error (at most 255) at each past byte.
  PredictorHistory errors_{};
  // Each predictor's code length of each past byte under its distribution, in 1/16
  // bits (at most 255); 0 where it predicted nothing.
  PredictorHistory costs_{};
  // The mixture of the predictors' distributions (image and audio apart): for the
  // next byte, each predictor's share, its weight over its distribution's total mass
  // (weights 2^(-kMixtureEta x its local code length) in 2^16 units, relative to
  // the group's best, times 2^36 / total mass), and log2 of its total mass (1/16
  // units, for costs_). They follow from the history.
  static constexpr int kMixtureEta = 24;  // 1/16 units
  std::array<uint32_t, kPredictors> mixture_factor_{};
  std::array<int16_t, kPredictors> mixture_log_total_{};
  void SetMixture(int first, int n);
  // The 20-neighbour least-squares predictor's signed error (true value minus its
  // rounded value, clamped to [-127, 127]) at each past byte; 0 where it predicted
  // nothing.
  std::array<int8_t, kHistory> residual_{};
  uint64_t pos_ = 0;
  bool predicted_next_ = true;  // whether predicted_ holds guesses for the next byte
  // Mean absolute error of each predictor in each bucket of its recent local errors,
  // in 1/64 units, and how many errors each mean has seen (at most 28).
  std::array<std::array<int32_t, kErrorBuckets>, kPredictors> spread_{};
  std::array<std::array<uint8_t, kErrorBuckets>, kPredictors> counts_{};
  // For the next byte: each predictor's value (0..255), error bucket and spread level.
  std::array<int16_t, kPredictors> predicted_{};
  std::array<uint8_t, kPredictors> bucket_{};
  std::array<uint8_t, kPredictors> level_{};
  LmsPredictor<8> image_lms_;
  // The LMS prediction for the next byte, 1/16 units relative to the left pixel.
  int32_t image_lms_prediction_ = 0;
  // Least squares over 12 causal neighbours, relative to the left pixel
  // (image_base_, the left pixel of the last prediction; the LMS's base too).
  // The ridges are small against the inputs' forgetting-weighted mean squares: in
  // smooth photographs those are a few units squared, and a larger ridge (0.5) pulls
  // the weights towards zero, the left pixel.
  static constexpr int kImageOlsOrder = 12;
  OlsPredictor<kImageOlsOrder> image_ols_{0.99, 0.005, 4};
  // Least squares over those and 8 more neighbours (NNWW, NEEE, NWWW, NNNW, NNNE,
  // NNEEE, NNWWW, WWWW), in the same units, and a constant input (kImageBiasInput):
  // a bias term.
  static constexpr int kImageWideOrder = 20;
  static constexpr double kImageBiasInput = 16.0;
  OlsPredictor<kImageWideOrder + 1> image_wide_ols_{0.99, 0.005, 8};
  // Least squares over 6 near neighbours (N, NW, NE, WW, NN, NEE), in the same
  // units, with a short memory (about 5 pixels) that follows local edges.
  static constexpr int kImageLocalOrder = 6;
  OlsPredictor<kImageLocalOrder> image_local_ols_{0.8, 0.005, 2};
  // Two least-squares predictors over windows of pixels near the next one
  // (PixelWindow), solved for every pixel while the image least squares learn: a near
  // window over the short-memory predictor's inputs (the 2 rows above within 3 columns
  // either side, and the 3 pixels to the left; ridge 0.5 per pixel), and a wide one
  // over the 12-neighbour predictor's inputs (4 rows within 5 columns, and 5 pixels to
  // the left; ridge 4), the same units. The wide window spans fewer rows where that
  // many rows of the stride would reach beyond its memory (3 at the largest stride),
  // and is solved at every kWideWindowInterval-th position only (the pixels between
  // take the last weights).
  struct WindowShape {
    int rows, columns;
    double ridge;
  };
  static constexpr WindowShape kNearWindow{2, 3, 0.5};
  // Pixels to the left in the near window while the chunk has fewer rows above than
  // the window spans: there the rows above give few pixels, or none.
  static constexpr int kNearWindowEarlyLeft = 16;
  static constexpr WindowShape kWideWindow{4, 5, 4.0};
  static constexpr int kWideWindowInterval = 2;
  // Their slots among the image predictors: in place of the horizontal extrapolation
  // W + NE - N, and of (W + NE) / 2.
  static constexpr int kNearWindowSlot = 7, kWideWindowSlot = 4;
  static_assert(kNearWindow.rows * kMaxStride + kNearWindowEarlyLeft < PixelWindow<kImageLocalOrder>::kLength - 1);
  static_assert(3 * kMaxStride + kWideWindow.columns < PixelWindow<kImageOlsOrder>::kLength - 1);
  PixelWindow<kImageLocalOrder> near_window_;
  PixelWindow<kImageOlsOrder> wide_window_;
  std::array<double, kImageLocalOrder> near_weights_{};
  std::array<double, kImageOlsOrder> wide_weights_{};
  int image_base_ = 128;
  // Least squares over the values of the other image predictors but the left pixel
  // and the blend (a stack, in place of the horizontal extrapolation), a constant input
  // (kImageBiasInput), and the 20-neighbour predictor's signed errors at the left,
  // above, above-left and above-right pixels (its error feedback); values relative to
  // the left pixel, like the target. Re-solved every 8 pixels.
  static constexpr int kImageStackValues = kImagePredictors - 3;
  static constexpr int kImageStackOrder = kImageStackValues + 1 + 4;
  OlsPredictor<kImageStackOrder> image_stack_{0.99, 0.005, 8};
  // Least squares over the last 4, 8, 12, 16 and 32 audio samples (relative to 128),
  // with memories from about 17 samples (order 12: lambda = 0.94) to the whole chunk
  // (the second of order 16: 0.9995): speech changes within a 2048-sample chunk; the
  // short memories follow it, the long ones resolve its resonances. The re-solve
  // intervals (samples) keep the cost of the high orders down.
  SeriesOlsPredictor<4> audio_ols4_{0.95, 0.1, 2};
  SeriesOlsPredictor<8> audio_ols8_{0.98, 0.1, 4};
  SeriesOlsPredictor<12> audio_ols12_{0.94, 0.1, 4};
  SeriesOlsPredictor<16> audio_ols_{0.996, 0.1, 8};
  SeriesOlsPredictor<16> audio_ols_slow_{0.9995, 0.1, 16};
  SeriesOlsPredictor<32> audio_ols32_{0.992, 0.1, 16};
  // Least squares over the values of the seven other audio predictors (a stack),
  // relative to 128.
  static constexpr int kStacked = 7;
  OlsPredictor<kStacked> audio_stack_{0.99, 0.1, 4};
  // Cascade stages on audio_ols_ ([0]) and on the stack ([1]).
  std::array<CascadeStage, 2> cascade_;
  // Recent absolute errors of the image and of the audio blend, 1/256 units.
  std::array<int32_t, 2> blend_error_{};
  // Bias correction of the image [0] and the audio [1] blend: the mean signed error
  // (true value minus the uncorrected blend), in 1/64 units, per context (the blend's
  // error bucket in four groups, and the signs of three local gradients), added to
  // the blend before its distribution is built. A mean that has seen n errors
  // (at most kBiasLimit) moves by 1/(n + 2) of the next one; it applies once n >= 2.
  static constexpr int kBiasContexts = 4 * 27;
  static constexpr int kBiasLimit = 30;
  std::array<std::array<int32_t, kBiasContexts>, 2> bias_{};
  std::array<std::array<uint8_t, kBiasContexts>, 2> bias_counts_{};
  // For the next byte: each blend's bias context and uncorrected value (0..1020, in
  // 1/4 units); they follow from the history.
  std::array<uint8_t, 2> bias_ctx_{};
  std::array<int16_t, 2> raw_blend_{};
  // For the next byte: each predictor's value in 1/4 units (0..1020), the centre of
  // its distribution; predicted_ holds it rounded.
  std::array<int16_t, kPredictors> quarter_{};
  // The image blend's residual shape. Residuals r (true value minus the blend's
  // rounded value, negated while the 20-neighbour least-squares predictor lies below
  // the blend, so that r > 0 points towards it) fall in kShapeBins bins: -8..8 one
  // each, then widths 4, 8, 16, 32, 64 and 123 on each side. Per context (the blend's
  // error bucket in four groups, and how far the least-squares predictor lies from
  // the blend: 8 log2 steps), each bin has the number of residuals seen in it
  // (1/256 units) and the number its geometric distribution expected (the sum of its
  // probability of the bin before each byte, 1/65536 units), over the last
  // kShapeLimit residuals (all halved when a context reaches it). The refined
  // distribution weighs each value by its geometric probability times its bin's
  // (observed + 2) / (expected + 2): a shape the chunk itself shows (heavy tails, a
  // skew towards the other predictor), with no prior but the geometric one.
  static constexpr int kShapeContexts = 4 * 8;
  static constexpr int kShapeLimit = 255;
  // Builds, for the next byte, the refined distribution's segments.
  void BuildShape();
  void LearnShape(uint8_t byte);
  // The refined mass of the values below `value` (0..256).
  uint64_t ShapeMassBelow(int value) const;
  // P(next bit = 1) in 12 bits under the refined distribution.
  int ShapeBitProbability(int c0, int bit_pos) const;
  std::array<std::array<uint16_t, kShapeBins>, kShapeContexts> shape_observed_{};
  std::array<std::array<uint32_t, kShapeBins>, kShapeContexts> shape_expected_{};
  std::array<uint8_t, kShapeContexts> shape_seen_{};
  // Mean squared errors (16-bit probabilities, squared, in 2^16 units, averaged over
  // about 256 bits) of the refined final probability and of the plain one.
  int32_t refined_error_ = 0, plain_error_ = 0;
  // For the next byte (they follow from the history): whether the shape is in use
  // (the image blend is the better), its context, the blend's rounded value and the
  // direction of r, and each bin's share of the geometric mass (2^16 units).
  bool shape_ready_ = false;
  bool shape_flip_ = false;
  uint8_t shape_context_ = 0;
  int16_t shape_centre_ = 128;
  std::array<uint32_t, kShapeBins> shape_share_{};
  // The refined distribution by segments (the bins in the order of their values):
  // each segment's first value, ratio (1/4096 units) and the refined mass of the
  // values before it; each value's segment; the total mass; and the
  // geometric distribution's centre (1/4 units) and level.
  std::array<int16_t, kShapeBins> shape_first_{};
  std::array<uint32_t, kShapeBins> shape_ratio_{};
  std::array<uint64_t, kShapeBins> shape_base_{};
  std::array<uint8_t, 256> shape_segment_{};
  uint64_t shape_total_ = 0;
  int16_t shape_quarter_ = 512;
  uint8_t shape_level_ = 0;
  // For the bit after RefineFinal: the refined and the plain probability, and whether
  // they were computed.
  int32_t final_refined_ = 0, final_plain_ = 0;
  bool final_pending_ = false;
  // Mixers of the image and of the audio predictors, by the blend's error bucket and
  // the bit position (see image_mixer_).
  // The image mixer's rows: the blend's error bucket in four groups.
  Mixer image_mixer_{kImagePredictors, 4 * 8, 65536 / kImagePredictors};
  Mixer audio_mixer_{kAudioPredictors, kErrorBuckets * 8, 65536 / kAudioPredictors};
  std::array<int32_t, PaddedInputs(kImagePredictors)> image_x_{};
  std::array<int32_t, PaddedInputs(kAudioPredictors)> audio_x_{};
  int stride_ = 64;
};

}  // namespace lmzip::cm
