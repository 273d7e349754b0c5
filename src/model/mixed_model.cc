#include "model/mixed_model.h"

#include <algorithm>
#include <array>
#include <cstdlib>

#include "model/cm.h"
#include "model/cm_tables.h"
#include "model/transformer_model.h"

namespace lmzip {
namespace {

// Inputs of the final mixer: the two models' stretched probabilities and a bias.
constexpr int kInputs = 3;
// Weight sets: bit position (8) x how sure the transformer is (4 buckets).
constexpr int kWeightSets = 8 * 4;

class MixedModel final : public Predictor {
 public:
  MixedModel(std::unique_ptr<Predictor> cm, std::unique_ptr<TransformerPredictor> tf)
      : cm_(std::move(cm)), tf_(std::move(tf)) {
    // A trained transformer predicts well from the first byte, where cm knows
    // nothing yet: it starts with the larger weight (the weights sum to more than 1,
    // so two models that agree make a confident vote) and the mixer takes it from there.
    for (auto& w : weights_) w = {kStartWeightCm, kStartWeightTf, 0};
  }
  Granularity granularity() const override { return Granularity::kBit; }

  uint32_t PredictBit() override {
    if (bit_pos_ == 0) tf_->PredictByte(cdf_);
    const int p_cm = static_cast<int>(cm_->PredictBit());
    const int p_tf = TransformerBit();
    x_[0] = cm::Stretch(std::clamp(p_cm >> 4, 1, 4095));
    x_[1] = cm::Stretch(p_tf);
    x_[2] = 256;
    const int sure = std::abs(x_[1]);
    set_ = bit_pos_ * 4 + (sure < 256 ? 0 : sure < 768 ? 1 : sure < 1536 ? 2 : 3);
    const auto& w = weights_[static_cast<size_t>(set_)];
    int64_t dot = 0;
    for (int i = 0; i < kInputs; ++i) dot += static_cast<int64_t>(w[static_cast<size_t>(i)]) * x_[i];
    const int st = static_cast<int>(std::clamp<int64_t>(dot >> 16, -cm::kStretchMax, cm::kStretchMax));
    p_mix_ = cm::Squash(st);
    return static_cast<uint32_t>(std::clamp(cm::Squash16(st), 1, 65535));
  }

  void UpdateBit(int bit) override {
    cm_->UpdateBit(bit);
    const int err = (bit << 12) - p_mix_;
    auto& w = weights_[static_cast<size_t>(set_)];
    for (int i = 0; i < kInputs; ++i) w[static_cast<size_t>(i)] += (x_[i] * err) >> 11;
    c0_ = (c0_ << 1) | bit;
    if (++bit_pos_ == 8) {
      tf_->UpdateByte(static_cast<uint8_t>(c0_ & 255));
      c0_ = 1;
      bit_pos_ = 0;
    }
  }

 private:
  static constexpr int32_t kStartWeightCm = 65536 / 2;
  static constexpr int32_t kStartWeightTf = 65536 * 3 / 4;

  // The transformer's 12-bit P(next bit = 1) given the bits of the byte so far: the
  // mass of the bytes below the node's 1-branch over the mass below the node.
  int TransformerBit() const {
    const int shift = 8 - bit_pos_;
    const int prefix = c0_ & ((1 << bit_pos_) - 1);
    const int lo = prefix << shift, hi = (prefix + 1) << shift, mid = (lo + hi) >> 1;
    const uint64_t all = cdf_[static_cast<size_t>(hi)] - cdf_[static_cast<size_t>(lo)];
    const uint64_t ones = cdf_[static_cast<size_t>(hi)] - cdf_[static_cast<size_t>(mid)];
    return static_cast<int>(std::clamp<uint64_t>((ones * 4096 + all / 2) / all, 1, 4095));
  }

  std::unique_ptr<Predictor> cm_;
  std::unique_ptr<TransformerPredictor> tf_;
  std::array<std::array<int32_t, kInputs>, kWeightSets> weights_{};
  std::array<uint32_t, 257> cdf_{};
  std::array<int, kInputs> x_{};
  int set_ = 0;
  int p_mix_ = 2048;
  int c0_ = 1;
  int bit_pos_ = 0;
};

}  // namespace

Result<std::unique_ptr<Predictor>> NewMixedModel(const ModelSpec& spec) {
  if (spec.weights_path.empty()) {
    return Status::InvalidArgument("model 'cm+tf' needs a transformer's weights file (-m cm+FILE.gguf)");
  }
  ModelSpec cm_spec = spec;
  cm_spec.name = "cm";
  cm_spec.weights_path.clear();
  LMZIP_ASSIGN_OR_RETURN(std::unique_ptr<Predictor> cm, NewContextMixingModel(cm_spec));
  LMZIP_ASSIGN_OR_RETURN(LoadedTransformer loaded, LoadTransformer(spec.weights_path));
  return std::unique_ptr<Predictor>(
      std::make_unique<MixedModel>(std::move(cm), std::make_unique<TransformerPredictor>(loaded.model)));
}

}  // namespace lmzip
