// Plain stochastic gradient descent: w ← w − η (g + λ₂ w), then the L1 proximal step
// w ← sign(w) max(|w| − η λ₁, 0).
#pragma once

#include "psml/optim/optimizer.hpp"

namespace psml::optim {

class Sgd final : public Optimizer {
 public:
  explicit Sgd(Regularization reg) : reg_(reg) {}
  std::string name() const override { return "sgd"; }
  std::size_t state_slots() const override { return 0; }
  void step(std::span<float> params, std::span<const float> grad, std::span<float> state,
            const StepContext& ctx) override;

 private:
  Regularization reg_;
};

// The L1 proximal operator applied after any optimizer's update (shared by all of them).
void soft_threshold(std::span<float> params, float threshold);

}  // namespace psml::optim
