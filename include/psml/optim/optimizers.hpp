// psml's optimizers, each the textbook update (g: gradient, plus λ₂ w where L2 applies; η: rate of
// this step; t: step count; products and powers element-wise):
//   sgd       w ← w − η g
//   momentum  v ← μ v + g;                 w ← w − η v                     (heavy ball)
//   nesterov  v ← μ v + g;                 w ← w − η (g + μ v)
//   adagrad   s ← s + g²;                  w ← w − η g / (√s + ε)
//   rmsprop   s ← ρ s + (1 − ρ) g²;        w ← w − η g / (√s + ε)
//   adam      m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;
//             w ← w − η m̂ / (√v̂ + ε),  m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)
//   adamw     adam on the raw gradient, then w ← w − η λ₂ w (decoupled weight decay)
// after which every optimizer applies the L1 proximal step (optimizer.hpp).
#pragma once

#include <memory>
#include <string>

#include "psml/optim/optimizer.hpp"

namespace psml::optim {

enum class Rule { kSgd, kMomentum, kNesterov, kAdagrad, kRmsprop, kAdam, kAdamW };

class ElementwiseOptimizer final : public Optimizer {
 public:
  ElementwiseOptimizer(Rule rule, Hyper hyper, Regularization reg)
      : rule_(rule), hyper_(hyper), reg_(reg) {}
  std::string name() const override;
  std::size_t state_slots() const override;
  void step(std::span<float> params, std::span<const float> grad, std::span<float> state,
            const StepContext& ctx) override;

 private:
  Rule rule_;
  Hyper hyper_;
  Regularization reg_;
};

}  // namespace psml::optim
