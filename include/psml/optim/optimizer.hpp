// Optimizers update a span of keys with that span's own state, so the same code serves a whole
// parameter vector (allreduce mode) and one server's key range (parameter-server mode).
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace psml::optim {

// What one update needs besides the keys: the learning rate of this step (after the schedule)
// and the 1-based step count (bias correction).
struct StepContext {
  float lr = 0.1f;
  std::int64_t step = 1;
};

// Regularisation applied by every optimizer: L2 as weight decay added to the gradient, L1 as a
// proximal soft-threshold after the update.
struct Regularization {
  float l2 = 0.0f;
  float l1 = 0.0f;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual std::string name() const = 0;

  // Floats of state per key (0 for SGD, 1 for momentum, 2 for Adam); state spans hold
  // state_slots() consecutive blocks, each as long as the params span.
  virtual std::size_t state_slots() const = 0;

  // params -= update(grad); state.size() == state_slots() * params.size().
  virtual void step(std::span<float> params, std::span<const float> grad, std::span<float> state,
                    const StepContext& ctx) = 0;
};

}  // namespace psml::optim
