#include "psml/ps/ps_exchange.hpp"

#include "psml/exchange/divergence.hpp"

namespace psml::ps {

PsExchange::PsExchange(const comm::Communicator& world, const Roles& roles, std::size_t num_params,
                       double deadline_seconds, KeyLayoutKind layout, bool sparse)
    : world_(world),
      client_(world, roles, static_cast<std::int64_t>(num_params), deadline_seconds, layout),
      sparse_(sparse),
      grad_(sparse ? 0 : num_params, 0.0f) {}

void PsExchange::start(std::span<float> params, std::int64_t total_steps) {
  // The schedule spans the run's global steps in every consistency mode (see ps/server.hpp).
  if (world_.rank() == 0) {
    if (resumed_)
      client_.init_servers_loaded(total_steps);
    else if (sparse_)
      client_.init_servers_zero(total_steps);
    else
      client_.init_servers(params, total_steps);
  }
  if (!sparse_) client_.pull(params);
}

bool PsExchange::fetch(std::span<const std::int64_t> keys, std::span<float> values,
                       exchange::EpochCounters* counters) {
  const auto stats = client_.pull_sparse(keys, values);
  if (counters) record(stats, *counters);
  return client_.stop_reached();
}

void PsExchange::step_sparse(std::span<const std::int64_t> keys, std::span<const float> grad,
                             double local_loss, std::int64_t local_rows,
                             const exchange::StepInfo& info, exchange::EpochCounters& counters) {
  exchange::check_finite(local_loss, grad, info);
  client_.set_step(info.global_step, info.stop_wanted);
  record(client_.push_sparse(keys, grad, local_rows), counters);
}

std::string PsExchange::save(checkpoint::Metadata meta, const exchange::CheckpointTarget& target,
                             std::span<const float>) {
  // The servers hold the parameters and the optimizer state: worker 0 asks them to write.
  if (world_.rank() != 0) return {};
  return client_.checkpoint(meta, target.to);
}

void PsExchange::resume(const std::string&, const checkpoint::Metadata& meta, std::span<float>) {
  resumed_ = true;  // the servers loaded their ranges; start() pulls them
  client_.resume_at(meta.global_step);
}

void PsExchange::record(const ExchangeStats& stats, exchange::EpochCounters& counters) const {
  counters.push_seconds += stats.push_seconds;
  counters.pull_seconds += stats.pull_seconds;
  counters.wait_seconds += stats.wait_seconds;
  counters.optimizer_seconds += stats.optimizer_seconds;
  counters.max_clock_gap = std::max(counters.max_clock_gap, static_cast<double>(stats.clock_gap));
  for (const auto s : stats.staleness) counters.record_staleness(s);
}

bool PsExchange::step(std::span<float> params, double local_loss, std::int64_t local_rows,
                      const exchange::StepInfo& info, exchange::EpochCounters& counters) {
  // Only this worker knows its loss and gradient: it stops the job alone (main aborts every
  // rank) before the servers apply them.
  exchange::check_finite(local_loss, grad_, info);
  client_.set_step(info.global_step, info.stop_wanted);
  record(client_.push_pull(grad_, local_rows, params), counters);
  return client_.stop_reached();
}

}  // namespace psml::ps
