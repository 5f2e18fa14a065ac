#include "psml/optim/sgd.hpp"

#include <cmath>

namespace psml::optim {

void soft_threshold(std::span<float> params, float threshold) {
  if (threshold <= 0) return;
  for (float& w : params) w = std::copysign(std::max(std::abs(w) - threshold, 0.0f), w);
}

void Sgd::step(std::span<float> params, std::span<const float> grad, std::span<float>,
               const StepContext& ctx) {
  for (std::size_t i = 0; i < params.size(); ++i)
    params[i] -= ctx.lr * (grad[i] + reg_.l2 * params[i]);
  soft_threshold(params, ctx.lr * reg_.l1);
}

}  // namespace psml::optim
