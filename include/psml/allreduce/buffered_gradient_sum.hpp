// The compressed exchanges' common part (--compression: quantized_ring_allreduce.hpp,
// compressed_allreduce.hpp, power_sgd_allreduce.hpp): a GradientSum that sends its gradient after
// backprop (nobody listens to it), from a gradient and a sum of its own. A step is its header
// (the loss and row sums, whether some rank wants to stop and how many ranks hold a non-finite
// gradient) in one small allreduce, timed apart as the wait: every rank has arrived once it is
// summed; then, with the step check, one max-allreduce that compares the ranks' global steps
// (every rank throws comm::CollectiveError if they differ); then, unless some gradient holds a
// NaN or Inf, the exchange of the subclass, which leaves the sum in sum_.
#pragma once

#include <cstddef>
#include <string>

#include "psml/allreduce/gradient_sum.hpp"
#include "psml/core/aligned.hpp"

namespace psml::allreduce {

class BufferedGradientSum : public GradientSum {
 public:
  std::span<float> gradient() final { return grad_; }
  std::span<const float> sum() const final { return sum_; }
  models::GradientListener* listener() final { return nullptr; }
  StepTotals reduce(double local_loss, std::int64_t local_rows, std::int64_t global_step,
                    bool stop) final;

 protected:
  // `what` names the exchange in the out-of-step error ("the global steps of <what> differ").
  BufferedGradientSum(const comm::Communicator& comm, std::size_t num_params, bool step_check,
                      std::string what);
  // Sums every rank's grad_ into sum_, the same on every rank. Collective.
  virtual void exchange() = 0;

  const comm::Communicator& comm_;
  AlignedVector<float> grad_, sum_;

 private:
  bool step_check_;
  std::string what_;
};

}  // namespace psml::allreduce
