#include "psml/optim/sparse_update.hpp"

namespace psml::optim {

void SparseUpdate::step(Optimizer& optimizer, std::span<float> params, std::span<float> state,
                        std::span<const std::int64_t> keys, std::span<const float> grad,
                        const StepContext& ctx) {
  const std::size_t n = keys.size(), slots = optimizer.state_slots(), p = params.size();
  params_.resize(n);
  state_.resize(slots * n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto k = static_cast<std::size_t>(keys[i]);
    params_[i] = params[k];
    for (std::size_t s = 0; s < slots; ++s) state_[s * n + i] = state[s * p + k];
  }
  optimizer.step(params_, grad, state_, ctx);
  for (std::size_t i = 0; i < n; ++i) {
    const auto k = static_cast<std::size_t>(keys[i]);
    params[k] = params_[i];
    for (std::size_t s = 0; s < slots; ++s) state[s * p + k] = state_[s * n + i];
  }
}

}  // namespace psml::optim
