// The allreduce exchange of synchronous data-parallel training: every rank contributes the
// gradient SUM over its rows of the step, and receives the SUM over the global batch with the
// global row count (the optimizer divides as it applies it).
//
// Buckets, overlapped with backprop (as PyTorch DDP's reducer): the gradient [0, P) is cut into
// buckets of `bucket_floats` from the end, where the last layer's keys lie, whose gradient
// backprop finishes first. As the model reports keys ready (models::GradientListener), each
// bucket whose keys are all ready starts its own non-blocking allreduce, and the model's
// progress() calls between its kernels move those along while the earlier layers compute. The
// bucket holding key 0 is the last; it starts in reduce(), once the step's loss is known.
//
// The step's header rides in that last bucket, in front of key 0, so what every rank must agree
// on costs no collective of its own: the step check (each rank adds the 32 bits of a fingerprint
// of (global step, buffer size) as 32 floats of 0 or 1; every sum is 0 or N exactly when all N
// ranks are at the same exchange, in any order of addition), a stop flag (SIGTERM on any rank
// stops every rank after the same step), the loss sum, the row count, and how many ranks'
// gradients held a NaN or Inf (each bucket is checked as it starts). The optimizer runs only once
// every bucket has landed, so every rank knows the verdict before any parameter changes.
//
// A step does run one collective besides its buckets: a barrier right before the last bucket, so
// that the time spent waiting for the slowest rank is measured apart from the allreduce's (the
// metrics' wait_s and communication_s). Under a deadline it is also the arrival check that names
// a rank that never comes, which the last bucket's allreduce then skips (comm::Arrival::kChecked).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "psml/allreduce/gradient_sum.hpp"
#include "psml/comm/communicator.hpp"
#include "psml/core/aligned.hpp"
#include "psml/models/gradient_listener.hpp"

namespace psml::allreduce {

class GradientAllreduce final : public GradientSum, public models::GradientListener {
 public:
  // `bucket_floats`: keys per bucket (0: one bucket, reduced after backprop). `step_check`:
  // compare the fingerprint of each exchange (a mismatch ends every rank with a message naming
  // each rank's step and buffer size); off, the bits are sent as zeros.
  GradientAllreduce(const comm::Communicator& comm, std::size_t num_params,
                    std::size_t bucket_floats = 0, bool step_check = true);

  // Where the model writes this rank's gradient sum before reduce().
  std::span<float> gradient() override { return {buffer_.data() + kHeader, num_params_}; }
  // Summed in place.
  std::span<const float> sum() const override { return {buffer_.data() + kHeader, num_params_}; }
  models::GradientListener* listener() override { return this; }
  std::string describe() const override;
  std::size_t buckets() const { return bucket_first_.size(); }

  // From backprop (models::GradientListener).
  void ready(std::size_t first, std::size_t count) override;
  void progress() override;
  bool in_flight() const override { return !requests_.empty(); }

  // Sums gradients, losses and row counts over all ranks: starts the buckets not yet started
  // and waits for every one. `global_step` names the exchange for the step check. Collective;
  // throws comm::CollectiveError on every rank if the ranks are out of step.
  StepTotals reduce(double local_loss, std::int64_t local_rows, std::int64_t global_step = 0,
                    bool stop = false) override;

 private:
  // 32 fingerprint bits, stop, loss, rows, non-finite, padding: 64 bytes x 3 keep the gradient
  // aligned.
  static constexpr std::size_t kHeader = 48, kBits = 32, kStop = 32, kLoss = 33, kRows = 34,
                               kNonFinite = 35;
  void start(std::size_t bucket);

  const comm::Communicator& comm_;
  std::size_t num_params_;
  bool step_check_;
  AlignedVector<float> buffer_;            // header, then num_params gradient values
  std::vector<std::size_t> bucket_first_;  // bucket b: keys [first[b], first[b-1] or P)
  std::size_t started_ = 0;                // buckets started this step (from the end)
  std::size_t ready_from_ = 0;             // keys [ready_from_, P) are final this step
  bool non_finite_ = false;                // a started bucket held a NaN or Inf
  comm::RequestSet requests_;
};

}  // namespace psml::allreduce
