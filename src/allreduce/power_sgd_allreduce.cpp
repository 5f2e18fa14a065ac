#include "psml/allreduce/power_sgd_allreduce.hpp"

#include <cstring>

#include "psml/core/error.hpp"
#include "psml/core/rng.hpp"

namespace psml::allreduce {

PowerSgdAllreduce::PowerSgdAllreduce(const comm::Communicator& comm, std::size_t num_params,
                                     std::span<const MatrixBlock> matrices, int rank,
                                     std::uint64_t seed, bool step_check)
    : BufferedGradientSum(comm, num_params, step_check, "their PowerSGD gradient exchange"),
      rank_(rank),
      matrices_(matrices.size()) {
  auto plan = compress::plan_factors(num_params, matrices, rank);
  std::size_t p_size = 0, q_size = 0;
  for (std::size_t i = 0; i < plan.factored.size(); ++i) {
    const auto& m = plan.factored[i];
    compressed_.push_back(
        {m, compress::PowerSgd(m.rows, m.cols, rank, mix64(seed ^ mix64(i))), p_size, q_size});
    p_size += static_cast<std::size_t>(compressed_.back().power.p_size());
    q_size += static_cast<std::size_t>(compressed_.back().power.q_size());
  }
  raw_at_ = p_size;
  first_.resize(p_size + plan.raw_values());
  raw_ = std::move(plan.raw);
  second_.resize(q_size);
}

void PowerSgdAllreduce::exchange() {
  const std::span<float> first(first_), second(second_);
  const std::span<const float> grad(grad_);
  for (auto& c : compressed_)
    c.power.start(grad.subspan(c.block.offset, c.block.size()),
                  first.subspan(c.p_at, static_cast<std::size_t>(c.power.p_size())));
  std::size_t at = raw_at_;
  for (const auto& r : raw_) {
    std::memcpy(first_.data() + at, grad_.data() + r.offset, r.count * sizeof(float));
    at += r.count;
  }
  // Arrival was checked by the header: both go straight to MPI_Allreduce.
  comm_.allreduce(first, comm::ReduceOp::kSum, comm::Arrival::kChecked);
  for (auto& c : compressed_)
    c.power.middle(first.subspan(c.p_at, static_cast<std::size_t>(c.power.p_size())),
                   second.subspan(c.q_at, static_cast<std::size_t>(c.power.q_size())));
  comm_.allreduce(second, comm::ReduceOp::kSum, comm::Arrival::kChecked);
  const std::span<float> sum(sum_);
  for (auto& c : compressed_)
    c.power.finish(first.subspan(c.p_at, static_cast<std::size_t>(c.power.p_size())),
                   second.subspan(c.q_at, static_cast<std::size_t>(c.power.q_size())), comm_.size(),
                   sum.subspan(c.block.offset, c.block.size()));
  at = raw_at_;
  for (const auto& r : raw_) {
    std::memcpy(sum_.data() + r.offset, first_.data() + at, r.count * sizeof(float));
    at += r.count;
  }
}

std::string PowerSgdAllreduce::describe() const {
  return detail::concat("MPI allreduce of PowerSGD rank-", rank_, " factors (", compressed_.size(),
                        " of ", matrices_, " weight matrices; ",
                        static_cast<double>((first_.size() + second_.size()) * sizeof(float)) / 1e6,
                        " MB per rank and step instead of ",
                        static_cast<double>(grad_.size() * sizeof(float)) / 1e6, ")");
}

}  // namespace psml::allreduce
