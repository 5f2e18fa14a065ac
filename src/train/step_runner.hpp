// One training step in a learner's protocol: the model's gradient of the step's rows and its
// exchange. The loop hears how the step ended (and of any stop) only through the outcome.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "psml/core/aligned.hpp"
#include "psml/exchange/exchange.hpp"
#include "psml/train/learner.hpp"
#include "worker_setup.hpp"

namespace psml::train {

class StepRunner {
 public:
  // Fault injection: true puts a NaN into the step's gradient (a divergence the loss does not
  // show yet, which the gradient check must catch).
  using Poison = std::function<bool(std::int64_t global_step)>;

  virtual ~StepRunner() = default;
  // Computes the gradient of `batch` and exchanges it, adding the step's figures to `counters`.
  virtual exchange::StepOutcome run(const Batch& batch, const exchange::StepInfo& info,
                                    exchange::EpochCounters& counters) = 0;
};

// For s.learner and s.exchange; `params`: the loop's copy of the parameters (dense protocol).
std::unique_ptr<StepRunner> make_step_runner(WorkerSetup& s, AlignedVector<float>& params,
                                             StepRunner::Poison poison);

}  // namespace psml::train
