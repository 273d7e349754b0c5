// Predictors of sampled signals for the context-mixing model: 8-bit grayscale images
// (one byte per pixel in rows of a known stride) and 8-bit audio (one unsigned byte per
// sample). Each predictor guesses the next byte's value; with a spread learned from its
// past errors (per local-activity bucket) the guess becomes a two-sided geometric
// distribution over 0..255, and from it the probability of each next bit given the
// bits of the byte seen so far. Those probabilities, stretched, are mixer inputs.
//
// Integer arithmetic throughout. The spreads start at values that fit natural images
// and speech, so the inputs are useful from the first bytes of a chunk.
#pragma once

#include <array>
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

class SignalModel {
 public:
  static constexpr int kImagePredictors = 13;
  static constexpr int kAudioPredictors = 7;
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
  // Mixers of the image and of the audio predictors, by the blend's error bucket and
  // the bit position.
  Mixer image_mixer_{kImagePredictors, kErrorBuckets * 8, 65536 / kImagePredictors};
  Mixer audio_mixer_{kAudioPredictors, kErrorBuckets * 8, 65536 / kAudioPredictors};
  std::array<int32_t, PaddedInputs(kImagePredictors)> image_x_{};
  std::array<int32_t, PaddedInputs(kAudioPredictors)> audio_x_{};
  int stride_ = 64;
};

}  // namespace lmzip::cm
