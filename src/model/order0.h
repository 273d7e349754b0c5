// A bitwise order-0 model: 255 adaptive probabilities, one per node of the byte's
// binary tree. The cheapest useful predictor, and a reference for tests.
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "lmzip/model.h"

namespace lmzip {

class Order0Model final : public Predictor {
 public:
  Order0Model() { probs_.fill(1u << 15); }
  Granularity granularity() const override { return Granularity::kBit; }
  uint32_t PredictBit() override { return probs_[node_]; }
  void UpdateBit(int bit) override {
    uint32_t& p = probs_[node_];
    if (bit) {
      p += (65536 - p) >> 4;
    } else {
      p -= p >> 4;
    }
    if (p < 32) p = 32;
    if (p > 65504) p = 65504;
    node_ = (node_ << 1) | bit;
    if (node_ >= 256) node_ = 1;
  }
  std::unique_ptr<Predictor> Clone() const override { return std::make_unique<Order0Model>(*this); }
  bool CanClone() const override { return true; }

 private:
  std::array<uint32_t, 256> probs_{};
  uint32_t node_ = 1;
};

}  // namespace lmzip
