#include "psml/optim/optimizers.hpp"

#include <cmath>

#include "psml/core/error.hpp"

namespace psml::optim {

std::string ElementwiseOptimizer::name() const {
  switch (rule_) {
    case Rule::kSgd:
      return "sgd";
    case Rule::kMomentum:
      return "momentum";
    case Rule::kNesterov:
      return "nesterov";
    case Rule::kAdagrad:
      return "adagrad";
    case Rule::kRmsprop:
      return "rmsprop";
    case Rule::kAdam:
      return "adam";
    case Rule::kAdamW:
      return "adamw";
  }
  return "?";
}

std::size_t ElementwiseOptimizer::state_slots() const {
  switch (rule_) {
    case Rule::kSgd:
      return 0;
    case Rule::kAdam:
    case Rule::kAdamW:
      return 2;
    default:
      return 1;
  }
}

void ElementwiseOptimizer::step(std::span<float> w, std::span<const float> grad,
                                std::span<float> state, const StepContext& ctx) {
  const std::size_t n = w.size();
  PSML_CHECK_EQ(grad.size(), n, "optimizer ", name(), ": gradient size");
  PSML_CHECK_EQ(state.size(), state_slots() * n, "optimizer ", name(), ": state size");
  const float lr = ctx.lr, eps = hyper_.eps, scale = ctx.grad_scale;
  // AdamW decays the weights directly; every other rule adds λ₂ w to the gradient.
  const float l2 = rule_ == Rule::kAdamW ? 0.0f : reg_.l2;
  float* s = state.data();
  float* v = state.data() + (state_slots() == 2 ? n : 0);
  switch (rule_) {
    case Rule::kSgd:
      for (std::size_t i = 0; i < n; ++i) w[i] -= lr * (scale * grad[i] + l2 * w[i]);
      break;
    case Rule::kMomentum:
    case Rule::kNesterov: {
      const float mu = hyper_.momentum;
      const bool nesterov = rule_ == Rule::kNesterov;
      for (std::size_t i = 0; i < n; ++i) {
        const float g = scale * grad[i] + l2 * w[i];
        s[i] = mu * s[i] + g;
        w[i] -= lr * (nesterov ? g + mu * s[i] : s[i]);
      }
      break;
    }
    case Rule::kAdagrad:
      for (std::size_t i = 0; i < n; ++i) {
        const float g = scale * grad[i] + l2 * w[i];
        s[i] += g * g;
        w[i] -= lr * g / (std::sqrt(s[i]) + eps);
      }
      break;
    case Rule::kRmsprop: {
      const float rho = hyper_.rho;
      for (std::size_t i = 0; i < n; ++i) {
        const float g = scale * grad[i] + l2 * w[i];
        s[i] = rho * s[i] + (1 - rho) * g * g;
        w[i] -= lr * g / (std::sqrt(s[i]) + eps);
      }
      break;
    }
    case Rule::kAdam:
    case Rule::kAdamW: {
      const float b1 = hyper_.beta1, b2 = hyper_.beta2;
      const auto t = static_cast<double>(ctx.step);
      const float c1 = static_cast<float>(1.0 / (1.0 - std::pow(double{b1}, t)));
      const float c2 = static_cast<float>(1.0 / (1.0 - std::pow(double{b2}, t)));
      const float decay = rule_ == Rule::kAdamW ? lr * reg_.l2 : 0.0f;
      for (std::size_t i = 0; i < n; ++i) {
        const float g = scale * grad[i] + l2 * w[i];
        s[i] = b1 * s[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        w[i] -= lr * (s[i] * c1) / (std::sqrt(v[i] * c2) + eps) + decay * w[i];
      }
      break;
    }
  }
  if (reg_.l1 > 0) {
    const float threshold = lr * reg_.l1;
    for (float& x : w) x = std::copysign(std::max(std::abs(x) - threshold, 0.0f), x);
  }
}

}  // namespace psml::optim
