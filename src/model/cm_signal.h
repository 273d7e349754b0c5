// Predictors of sampled signals for the context-mixing model: 8-bit grayscale images
// (one byte per pixel in rows of a known stride) and 8-bit audio (one unsigned byte per
// sample). Each predictor guesses the next byte's value; with a spread learned from its
// past errors (per local-activity bucket) the guess becomes a two-sided geometric
// distribution over 0..255, and from it the probability of each next bit given the
// bits of the byte seen so far. Those probabilities, stretched, are mixer inputs.
// The two blends of predictors are corrected by their learned mean signed error in a
// small context before their distributions are built.
//
// Integer arithmetic throughout. The spreads start at values that fit natural images
// and speech, so the inputs are useful from the first bytes of a chunk.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>

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
  double Predict(const double* x) {
    double sum = 0;
    for (int i = 0; i < kOrder; ++i) {
      x_[i] = x[i];
      sum += weights_[i] * x[i];
    }
    if (!(sum > -1024.0)) return -1024.0;  // also NaN
    return sum < 1024.0 ? sum : 1024.0;
  }
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
      Solve();
    }
  }
  void SetWeight(int i, double w) { weights_[i] = w; }

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
      for (double v : weights_) sane = sane && v > -1e6 && v < 1e6;
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
  // Solves (cov + ridge I) w = target; keeps the old weights if the matrix is not
  // positive definite.
  void Solve() {
    std::array<double, kOrder * kOrder> l;
    std::array<double, kOrder> inverse;  // 1 / l[i][i]
    for (int i = 0; i < kOrder; ++i) {
      for (int j = 0; j <= i; ++j) {
        double sum = cov_[static_cast<size_t>(i) * kOrder + j] + (i == j ? ridge_ : 0.0);
        for (int k = 0; k < j; ++k) sum -= l[static_cast<size_t>(i) * kOrder + k] * l[static_cast<size_t>(j) * kOrder + k];
        if (i == j) {
          if (!(sum > 1e-9)) return;
          l[static_cast<size_t>(i) * kOrder + i] = std::sqrt(sum);
          inverse[i] = 1.0 / l[static_cast<size_t>(i) * kOrder + i];
        } else {
          l[static_cast<size_t>(i) * kOrder + j] = sum * inverse[j];
        }
      }
    }
    std::array<double, kOrder> z;
    for (int i = 0; i < kOrder; ++i) {
      double sum = target_[i];
      for (int k = 0; k < i; ++k) sum -= l[static_cast<size_t>(i) * kOrder + k] * z[k];
      z[i] = sum * inverse[i];
    }
    std::array<double, kOrder> w;
    for (int i = kOrder - 1; i >= 0; --i) {
      double sum = z[i];
      for (int k = i + 1; k < kOrder; ++k) sum -= l[static_cast<size_t>(k) * kOrder + i] * w[k];
      w[i] = sum * inverse[i];
    }
    for (int i = 0; i < kOrder; ++i) {
      if (!(w[i] > -1e6 && w[i] < 1e6)) return;
    }
    weights_ = w;
  }

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

class SignalModel {
 public:
  static constexpr int kImagePredictors = 14;
  static constexpr int kAudioPredictors = 8;
  static constexpr int kPredictors = kImagePredictors + kAudioPredictors;
  // One input per predictor, then the image and the audio predictors mixed.
  static constexpr int kInputs = kPredictors + 2;
  static constexpr int kErrorBuckets = 12;
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
  // The error bucket of the blend (image or audio) with the smaller learned spread,
  // plus kErrorBuckets for audio: below 2 * kErrorBuckets. Valid after EndByte.
  int BetterBlendBucket() const {
    constexpr int kImageBlend = kImagePredictors - 1, kAudioBlend = kPredictors - 1;
    return level_[kAudioBlend] < level_[kImageBlend] ? kErrorBuckets + bucket_[kAudioBlend] : bucket_[kImageBlend];
  }

  // After a whole byte: records it, learns from it if it was predicted, and predicts
  // the next byte if `predict_next` (else, while the input is text, the predictors
  // rest: Predict must not be called for that byte). `stride`: the row length of 2-D
  // data in bytes (clamped to 1..kMaxStride).
  void EndByte(uint8_t byte, int stride, bool predict_next);

  template <typename Archive>
  void Serialize(Archive& ar) {
    ar.Bytes(history_.data(), sizeof history_);
    ar.Bytes(errors_.data(), sizeof errors_);
    ar.Pod(pos_);
    ar.Bytes(spread_.data(), sizeof spread_);
    ar.Bytes(counts_.data(), sizeof counts_);
    image_lms_.Serialize(ar);
    audio_lms_short_.Serialize(ar);
    audio_lms_long_.Serialize(ar);
    audio_ols_.Serialize(ar);
    image_ols_.Serialize(ar);
    cascade_.Serialize(ar);
    ar.Bytes(ols_residuals_.data(), sizeof ols_residuals_);
    ar.Bytes(blend_error_.data(), sizeof blend_error_);
    ar.Bytes(bias_.data(), sizeof bias_);
    ar.Bytes(bias_counts_.data(), sizeof bias_counts_);
    image_mixer_.Serialize(ar);
    audio_mixer_.Serialize(ar);
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
  // Predictor k's absolute error n bytes back (0 before the start).
  int ErrorBack(int k, int n) const {
    return static_cast<uint64_t>(n) > pos_ ? 0 : errors_[k][(pos_ - n) & (kHistory - 1)];
  }
  void Learn(uint8_t byte, size_t at);
  void PredictImage();
  void PredictAudio();
  // `value` (0..255), the blend `which` (0 image, 1 audio) predicts, corrected by its
  // learned bias in `context` (below kBiasContexts); remembers both for Learn.
  int CorrectBias(int which, int value, int context);
  void Sanitize();

  std::array<uint8_t, kHistory> history_{};
  // Each predictor's absolute error (at most 255) at each past byte.
  std::array<std::array<uint8_t, kHistory>, kPredictors> errors_{};
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
  LmsPredictor<8> audio_lms_short_;
  LmsPredictor<24> audio_lms_long_;
  // The LMS predictions for the next byte, 1/16 units (image: relative to the left
  // pixel; audio: relative to 128).
  int32_t image_lms_prediction_ = 0, audio_lms_short_prediction_ = 0, audio_lms_long_prediction_ = 0;
  // Least squares over 12 causal neighbours, relative to the left pixel
  // (image_ols_base_, the left pixel of the last prediction).
  static constexpr int kImageOlsOrder = 12;
  OlsPredictor<kImageOlsOrder> image_ols_{0.99, 0.5, 4};
  int image_ols_base_ = 128;
  // Least squares over the last 16 audio samples (relative to 128).
  OlsPredictor<16> audio_ols_{0.998, 0.5, 4};
  // Cascade stage: predicts the least-squares predictor's next error (true sample
  // minus its rounded prediction, clamped to [-255, 255]) from its last kCascadeOrder
  // errors, most recent first (ols_residuals_); its prediction is in 1/16 units.
  static constexpr int kCascadeOrder = 4;
  LmsPredictor<kCascadeOrder> cascade_;
  std::array<int32_t, kCascadeOrder> ols_residuals_{};
  int32_t cascade_prediction_ = 0;
  // The least-squares prediction for the next byte before the cascade's correction
  // (0..255); it follows from the history.
  int ols_value_ = 128;
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
  // For the next byte: each blend's bias context and uncorrected value (0..255); they
  // follow from the history.
  std::array<uint8_t, 2> bias_ctx_{};
  std::array<int16_t, 2> raw_blend_{};
  // Mixers of the image and of the audio predictors, by the blend's error bucket and
  // the bit position.
  Mixer image_mixer_{kImagePredictors, kErrorBuckets * 8, 65536 / kImagePredictors};
  Mixer audio_mixer_{kAudioPredictors, kErrorBuckets * 8, 65536 / kAudioPredictors};
  std::array<int32_t, PaddedInputs(kImagePredictors)> image_x_{};
  std::array<int32_t, PaddedInputs(kAudioPredictors)> audio_x_{};
  int stride_ = 64;
};

}  // namespace lmzip::cm
