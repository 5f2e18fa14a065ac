#include "psml/allreduce/allreduce_exchange.hpp"

#include <chrono>
#include <cmath>

#include "psml/comm/agreement.hpp"
#include "psml/comm/roll_call.hpp"
#include "psml/core/error.hpp"
#include "psml/core/stopwatch.hpp"
#include "psml/core/trace.hpp"
#include "psml/exchange/divergence.hpp"

namespace psml::allreduce {

AllreduceExchange::AllreduceExchange(const comm::Communicator& comm, std::size_t num_params,
                                     const optim::OptimizerSpec& optimizer,
                                     const GradientSumOptions& sum)
    : comm_(comm),
      reduce_(make_gradient_sum(comm, num_params, sum)),
      spec_(optimizer),
      optimizer_(optim::make_optimizer(optimizer)),
      state_(optimizer_->state_slots() * num_params, 0.0f) {}

void AllreduceExchange::start(std::span<float>, std::int64_t total_steps) {
  // Every rank initialised the parameters from the same seed: nothing to send.
  schedule_ = std::make_unique<optim::Schedule>(spec_.schedule, spec_.lr, total_steps);
}

exchange::StepOutcome AllreduceExchange::step(std::span<float> params, double local_loss,
                                              std::int64_t local_rows,
                                              const exchange::StepInfo& info,
                                              exchange::EpochCounters& counters) {
  const auto start = Clock::now();
  const auto totals = [&] {
    try {
      return reduce_->reduce(local_loss, local_rows, info.global_step, info.stop_wanted);
    } catch (const comm::DeadlineExpired& e) {
      throw comm::DeadlineExpired(
          detail::concat(e.what(), ", the gradient allreduce of ", info.describe()));
    }
  }();
  // Every rank sees the same sums, so all stop together, before the optimizer applies the step.
  if (!std::isfinite(totals.loss_sum))
    throw comm::CollectiveError(
        exchange::divergence_message(detail::concat("loss is ", totals.loss_sum), info),
        comm_.rank() == 0);
  if (totals.non_finite_ranks > 0)
    throw comm::CollectiveError(
        exchange::divergence_message(
            detail::concat("the gradient is not finite (nan or inf) on ", totals.non_finite_ranks,
                           " of ", comm_.size(), comm_.size() == 1 ? " rank" : " ranks"),
            info),
        comm_.rank() == 0);
  // Optimizer time is the global step, as on a parameter server (see ps/server.hpp).
  const auto reduced = Clock::now();
  const float mean = totals.rows > 0 ? 1.0f / static_cast<float>(totals.rows) : 0.0f;
  {
    trace::Scope span("optimizer");
    optimizer_->step(params, reduce_->sum(), state_, schedule_->at(info.global_step, mean));
  }
  counters.wait_seconds += totals.wait_seconds;
  // What a ring moves each way, whichever algorithm ran (docs/runs.md).
  const double bytes = reduce_->bytes_per_step(params.size(), comm_.size());
  counters.bytes_sent += bytes;
  counters.bytes_received += bytes;
  counters.allreduce_seconds +=
      std::chrono::duration<double>(reduced - start).count() - totals.wait_seconds;
  counters.optimizer_seconds += std::chrono::duration<double>(Clock::now() - reduced).count();
  return {.done = true, .stop = totals.stop};
}

std::string AllreduceExchange::save(checkpoint::Metadata meta,
                                    const exchange::CheckpointTarget& target,
                                    std::span<const float> params) {
  // Every rank holds the same parameters and state: rank 0 writes, the others agree on the outcome.
  meta.optimizer_step = meta.global_step;
  meta.state_slots = static_cast<std::int64_t>(optimizer_->state_slots());
  std::string path;
  comm::run_agreed(comm_, [&] {
    if (comm_.rank() != 0) return;
    const auto alone = comm::Communicator::self();
    // Synchronous: every rank has made every step.
    const std::vector<std::int64_t> clocks(static_cast<std::size_t>(comm_.size()),
                                           meta.global_step);
    path = checkpoint::write_checkpoint(target.to, meta, data::RowRange{0, meta.num_params}, params,
                                        state_, clocks, alone, target.hook);
  });
  return path;
}

void AllreduceExchange::resume(const std::string& path, const checkpoint::Metadata& meta,
                               std::span<float> params) {
  if (static_cast<std::size_t>(meta.state_slots) != optimizer_->state_slots())
    throw error(path, ": holds ", meta.state_slots, " optimizer state slots, --optimizer ",
                spec_.name, " keeps ", optimizer_->state_slots());
  checkpoint::read_range(path, meta, data::RowRange{0, meta.num_params}, params, state_);
}

}  // namespace psml::allreduce
