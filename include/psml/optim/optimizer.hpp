// Optimizers update a span of keys with that span's own state, so the same code serves a whole
// parameter vector (allreduce mode) and one server's key range (parameter-server mode).
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace psml::optim {

// What one update needs besides the keys: the learning rate of this step (after the schedule),
// the 1-based step count (Adam's bias correction), and the factor that turns the gradient given
// into the one to apply (1 / global rows for a gradient sum: the optimizer's single pass over the
// keys scales it, rather than a pass of its own).
struct StepContext {
  float lr = 0.1f;
  std::int64_t step = 1;
  float grad_scale = 1.0f;
};

// Regularisation every optimizer applies: L2 as λ₂ w added to the gradient (for AdamW: decoupled
// weight decay, w ← w − η λ₂ w), L1 as the proximal soft-threshold after the update,
// w ← sign(w) max(|w| − η λ₁, 0).
struct Regularization {
  float l2 = 0.0f;
  float l1 = 0.0f;
};

// Hyper-parameters of the stateful optimizers.
struct Hyper {
  float momentum = 0.9f;  // momentum, nesterov
  float beta1 = 0.9f;     // adam, adamw
  float beta2 = 0.999f;   // adam, adamw
  float rho = 0.9f;       // rmsprop
  float eps = 1e-8f;      // adagrad, rmsprop, adam, adamw
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual std::string name() const = 0;

  // Floats of state per key (0 for SGD, 1 for momentum, 2 for Adam); state spans hold
  // state_slots() consecutive blocks, each as long as the params span.
  virtual std::size_t state_slots() const = 0;

  // One update of params from grad_scale · grad; state.size() == state_slots() * params.size().
  virtual void step(std::span<float> params, std::span<const float> grad, std::span<float> state,
                    const StepContext& ctx) = 0;
};

}  // namespace psml::optim
