#include "psml/allreduce/compressed_allreduce.hpp"

#include "psml/core/error.hpp"

namespace psml::allreduce {

CompressedAllreduce::CompressedAllreduce(const comm::Communicator& comm, std::size_t num_params,
                                         const compress::CompressionSpec& spec, bool step_check)
    : BufferedGradientSum(comm, num_params, step_check, "their compressed gradient exchange"),
      spec_(spec),
      codec_(spec, num_params),
      mine_(codec_.encoded_bytes()),
      all_(codec_.encoded_bytes() * static_cast<std::size_t>(comm.size())) {}

void CompressedAllreduce::exchange() {
  codec_.encode(grad_, mine_);
  comm_.allgather(std::span<const std::byte>(mine_), std::span<std::byte>(all_),
                  "the compressed gradient allgather");
  std::fill(sum_.begin(), sum_.end(), 0.0f);
  for (int r = 0; r < comm_.size(); ++r)
    codec_.add_decoded(std::span<const std::byte>(all_).subspan(
                           static_cast<std::size_t>(r) * mine_.size(), mine_.size()),
                       sum_);
}

std::string CompressedAllreduce::describe() const {
  return detail::concat("MPI allgather of ", spec_.describe(), " gradients (",
                        static_cast<double>(mine_.size()) / 1e6, " MB per rank and step)");
}

}  // namespace psml::allreduce
