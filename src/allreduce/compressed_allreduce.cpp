#include "psml/allreduce/compressed_allreduce.hpp"

#include <chrono>

#include "psml/core/error.hpp"
#include "psml/core/finite.hpp"
#include "psml/core/trace.hpp"

namespace psml::allreduce {

CompressedAllreduce::CompressedAllreduce(const comm::Communicator& comm, std::size_t num_params,
                                         const compress::CompressionSpec& spec, bool step_check)
    : comm_(comm),
      spec_(spec),
      step_check_(step_check),
      grad_(num_params),
      sum_(num_params),
      codec_(spec, num_params),
      mine_(codec_.encoded_bytes()),
      all_(codec_.encoded_bytes() * static_cast<std::size_t>(comm.size())) {}

StepTotals CompressedAllreduce::reduce(double local_loss, std::int64_t local_rows,
                                       std::int64_t global_step, bool stop) {
  StepTotals totals;
  // The header: every rank has arrived once it is summed (timed apart as the wait).
  const bool finite = all_finite(grad_);
  double header[4] = {local_loss, static_cast<double>(local_rows), stop ? 1.0 : 0.0,
                      finite ? 0.0 : 1.0};
  const auto arrival = std::chrono::steady_clock::now();
  {
    trace::Scope span("wait");
    comm_.allreduce(std::span<double>(header));
  }
  totals.wait_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - arrival).count();
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
                        "the global steps of their compressed gradient exchange differ");
  }
  // A gradient with a NaN or Inf is refused before anything is sent (the caller stops).
  if (totals.non_finite_ranks > 0) return totals;
  trace::Scope span("allreduce");
  codec_.encode(grad_, mine_);
  comm_.allgather(std::span<const std::byte>(mine_), std::span<std::byte>(all_),
                  "the compressed gradient allgather");
  std::fill(sum_.begin(), sum_.end(), 0.0f);
  for (int r = 0; r < comm_.size(); ++r)
    codec_.add_decoded(std::span<const std::byte>(all_).subspan(
                           static_cast<std::size_t>(r) * mine_.size(), mine_.size()),
                       sum_);
  return totals;
}

std::string CompressedAllreduce::describe() const {
  return detail::concat("MPI allgather of ", spec_.describe(), " gradients (",
                        static_cast<double>(mine_.size()) / 1e6, " MB per rank and step)");
}

}  // namespace psml::allreduce
