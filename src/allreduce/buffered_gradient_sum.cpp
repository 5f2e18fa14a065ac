#include "psml/allreduce/buffered_gradient_sum.hpp"

#include <chrono>

#include "psml/core/finite.hpp"
#include "psml/core/stopwatch.hpp"
#include "psml/core/trace.hpp"

namespace psml::allreduce {

BufferedGradientSum::BufferedGradientSum(const comm::Communicator& comm, std::size_t num_params,
                                         bool step_check, std::string what)
    : comm_(comm),
      grad_(num_params),
      sum_(num_params),
      step_check_(step_check),
      what_(std::move(what)) {}

StepTotals BufferedGradientSum::reduce(double local_loss, std::int64_t local_rows,
                                       std::int64_t global_step, bool stop) {
  StepTotals totals;
  double header[4] = {local_loss, static_cast<double>(local_rows), stop ? 1.0 : 0.0,
                      all_finite(grad_) ? 0.0 : 1.0};
  const auto arrival = Clock::now();
  {
    trace::Scope span("wait");
    comm_.allreduce(std::span<double>(header));
  }
  totals.wait_seconds = std::chrono::duration<double>(Clock::now() - arrival).count();
  totals.loss_sum = header[0];
  totals.rows = static_cast<std::int64_t>(header[1]);
  totals.stop = header[2] > 0;
  totals.non_finite_ranks = static_cast<int>(header[3]);
  if (step_check_) {
    // The highest step and the highest negated step (minus the lowest), in one allreduce.
    std::int64_t steps[2] = {global_step, -global_step};
    comm_.allreduce(std::span<std::int64_t>(steps), comm::ReduceOp::kMax);
    if (steps[0] != -steps[1])
      throw_out_of_step(comm_, global_step, static_cast<std::int64_t>(grad_.size()),
                        "the global steps of " + what_ + " differ");
  }
  // A gradient with a NaN or Inf is refused before anything is sent (the caller stops).
  if (totals.non_finite_ranks > 0) return totals;
  trace::Scope span("allreduce");
  exchange();
  return totals;
}

}  // namespace psml::allreduce
