#include "psml/allreduce/compressed_allreduce.hpp"

#include "psml/allreduce/step_header.hpp"
#include "psml/core/error.hpp"
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
  const StepTotals totals =
      exchange_step_header(comm_, grad_, local_loss, local_rows, global_step, stop, step_check_,
                           "their compressed gradient exchange");
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
