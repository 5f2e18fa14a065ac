// The allreduce exchange of synchronous data-parallel training: every rank contributes the
// gradient SUM over its rows of the step, and receives the gradient MEAN over the global batch.
// The step's loss sum and row count ride in the same buffer, so a step costs one collective.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "psml/comm/communicator.hpp"
#include "psml/core/aligned.hpp"

namespace psml::allreduce {

struct StepTotals {
  double loss_sum = 0;
  std::int64_t rows = 0;
};

class GradientAllreduce {
 public:
  GradientAllreduce(const comm::Communicator& comm, std::size_t num_params);

  // Where the model writes this rank's gradient sum before reduce().
  std::span<float> gradient() { return {buffer_.data(), num_params_}; }

  // Sums gradients, losses and row counts over all ranks, then divides the gradient by the global
  // row count. Collective.
  StepTotals reduce(double local_loss, std::int64_t local_rows);

 private:
  const comm::Communicator& comm_;
  std::size_t num_params_;
  AlignedVector<float> buffer_;  // num_params gradient values, then loss sum and row count
};

}  // namespace psml::allreduce
