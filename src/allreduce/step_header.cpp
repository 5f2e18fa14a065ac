#include "psml/allreduce/step_header.hpp"

#include <chrono>

#include "psml/core/error.hpp"
#include "psml/core/finite.hpp"
#include "psml/core/trace.hpp"

namespace psml::allreduce {

StepTotals exchange_step_header(const comm::Communicator& comm, std::span<const float> gradient,
                                double local_loss, std::int64_t local_rows,
                                std::int64_t global_step, bool stop, bool step_check,
                                const char* what) {
  StepTotals totals;
  double header[4] = {local_loss, static_cast<double>(local_rows), stop ? 1.0 : 0.0,
                      all_finite(gradient) ? 0.0 : 1.0};
  const auto arrival = std::chrono::steady_clock::now();
  {
    trace::Scope span("wait");
    comm.allreduce(std::span<double>(header));
  }
  totals.wait_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - arrival).count();
  totals.loss_sum = header[0];
  totals.rows = static_cast<std::int64_t>(header[1]);
  totals.stop = header[2] > 0;
  totals.non_finite_ranks = static_cast<int>(header[3]);
  if (step_check) {
    // The highest step and the highest negated step (minus the lowest), in one allreduce.
    std::int64_t steps[2] = {global_step, -global_step};
    comm.allreduce(std::span<std::int64_t>(steps), comm::ReduceOp::kMax);
    if (steps[0] != -steps[1])
      throw_out_of_step(comm, global_step, static_cast<std::int64_t>(gradient.size()),
                        detail::concat("the global steps of ", what, " differ"));
  }
  return totals;
}

}  // namespace psml::allreduce
