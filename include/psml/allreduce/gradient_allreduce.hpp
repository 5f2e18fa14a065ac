// The allreduce exchange of synchronous data-parallel training: every rank contributes the
// gradient SUM over its rows of the step, and receives the gradient MEAN over the global batch.
// The step's loss sum and row count ride in the same buffer, so a step costs one collective; so
// do a stop flag (SIGTERM on any rank stops every rank after the same step) and the step check:
// each rank adds the 32 bits of a fingerprint of (global step, buffer size) as 32 floats of 0 or
// 1; every sum is 0 or N exactly when all N ranks are at the same exchange. Sums of 0 and 1 are
// exact in float32 in any order, and the header sits in front of the gradient, so ranks that
// disagree on the buffer size still compare fingerprints (the element counts differ at the end).
// Each rank also counts in the header whether its own gradient holds a NaN or Inf, so a diverged
// step is known to every rank before any applies it.
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
  bool stop = false;         // some rank asked to stop after this step
  int non_finite_ranks = 0;  // ranks whose gradient sum held a NaN or Inf
};

class GradientAllreduce {
 public:
  // `step_check`: compare the fingerprint of each exchange (a mismatch ends every rank with a
  // message naming each rank's step and buffer size); off, the bits are sent as zeros.
  GradientAllreduce(const comm::Communicator& comm, std::size_t num_params, bool step_check = true);

  // Where the model writes this rank's gradient sum before reduce().
  std::span<float> gradient() { return {buffer_.data() + kHeader, num_params_}; }

  // Sums gradients, losses and row counts over all ranks, then divides the gradient by the global
  // row count. `global_step` names the exchange for the step check. Collective; throws
  // comm::CollectiveError on every rank if the ranks are out of step.
  StepTotals reduce(double local_loss, std::int64_t local_rows, std::int64_t global_step = 0,
                    bool stop = false);

 private:
  // 32 fingerprint bits, stop, loss, rows, non-finite, padding: 64 bytes x 3 keep the gradient
  // aligned.
  static constexpr std::size_t kHeader = 48, kBits = 32, kStop = 32, kLoss = 33, kRows = 34,
                               kNonFinite = 35;
  [[noreturn]] void report_mismatch(std::int64_t global_step) const;

  const comm::Communicator& comm_;
  std::size_t num_params_;
  bool step_check_;
  AlignedVector<float> buffer_;  // header, then num_params gradient values
};

}  // namespace psml::allreduce
