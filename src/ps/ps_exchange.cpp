#include "psml/ps/ps_exchange.hpp"

#include "psml/exchange/divergence.hpp"

namespace psml::ps {

template <class Protocol>
void PsClientExchange<Protocol>::init_servers(std::span<const float> params,
                                              std::int64_t total_steps) {
  // The schedule spans the run's global steps in every consistency mode (see ps/server.hpp).
  if (world_.rank() != 0) return;
  if (resumed_)
    client_.init_servers_loaded(total_steps);
  else if (params.empty())
    client_.init_servers_zero(total_steps);
  else
    client_.init_servers(params, total_steps);
}

template <class Protocol>
std::string PsClientExchange<Protocol>::save(checkpoint::Metadata meta,
                                             const exchange::CheckpointTarget& target,
                                             std::span<const float>) {
  // The servers hold the parameters and the optimizer state: worker 0 asks them to write.
  if (world_.rank() != 0) return {};
  return client_.checkpoint(meta, target.to);
}

template <class Protocol>
void PsClientExchange<Protocol>::resume(const std::string&, const checkpoint::Metadata& meta,
                                        std::span<float>) {
  resumed_ = true;  // the servers loaded their ranges; start() pulls them
  client_.resume_at(meta.global_step);
}

template <class Protocol>
void PsClientExchange<Protocol>::record(const ExchangeStats& stats,
                                        exchange::EpochCounters& counters) const {
  counters.push_seconds += stats.push_seconds;
  counters.pull_seconds += stats.pull_seconds;
  counters.wait_seconds += stats.wait_seconds;
  counters.optimizer_seconds += stats.optimizer_seconds;
  counters.bytes_sent += stats.bytes_sent;
  counters.bytes_received += stats.bytes_received;
  counters.max_clock_gap = std::max(counters.max_clock_gap, static_cast<double>(stats.clock_gap));
  for (const auto s : stats.staleness) counters.record_staleness(s);
}

template class PsClientExchange<exchange::DenseExchange>;
template class PsClientExchange<exchange::KeyedExchange>;

PsExchange::PsExchange(const comm::Communicator& world, const Roles& roles, std::size_t num_params,
                       double deadline_seconds, KeyLayoutKind layout, const SharedPayloads* shared,
                       const compress::CompressionSpec& compression,
                       std::span<const MatrixBlock> matrices)
    : PsClientExchange(world, roles, static_cast<std::int64_t>(num_params), deadline_seconds,
                       layout, shared, compression, matrices),
      grad_(shared ? 0 : num_params, 0.0f),
      gradient_(shared ? shared->gradient(world.rank()) : std::span<float>(grad_)) {}

void PsExchange::start(std::span<float> params, std::int64_t total_steps) {
  init_servers(params, total_steps);
  client_.wait(client_.pull(params));
}

models::GradientListener* PsExchange::listener() {
  // One server holds every key: nothing to push before backprop ends.
  if (!client_.pushes_early() || client_.servers() == 1) return nullptr;
  return this;
}

void PsExchange::begin_step(const exchange::StepInfo& info, std::int64_t local_rows) {
  info_ = info;
  rows_ = local_rows;
  ready_from_ = gradient_.size();
  client_.set_step(info.global_step, info.stop_wanted);
}

void PsExchange::ready(std::size_t first, std::size_t count) {
  // Ranges arrive from the end, each right below the last; anything else waits for step().
  if (first + count != ready_from_) return;
  ready_from_ = first;
  // Servers hold ascending ranges: the last ones complete first. Server 0's share waits for
  // step(), which knows the loss.
  for (int s = client_.servers() - 1; s > 0; --s) {
    const auto keys = client_.keys_of(s);
    if (static_cast<std::size_t>(keys.first) < ready_from_) break;
    if (client_.pushed(s)) continue;
    // Only this worker knows its gradient: it stops the job before any server has a NaN.
    exchange::check_finite(
        0.0,
        std::span<const float>(gradient_).subspan(static_cast<std::size_t>(keys.first),
                                                  static_cast<std::size_t>(keys.count)),
        info_);
    client_.push(keys,
                 std::span<const float>(gradient_).subspan(static_cast<std::size_t>(keys.first),
                                                           static_cast<std::size_t>(keys.count)),
                 rows_);
    in_flight_ = true;
  }
}

exchange::StepOutcome PsExchange::step(std::span<float> params, double local_loss,
                                       std::int64_t local_rows, const exchange::StepInfo& info,
                                       exchange::EpochCounters& counters) {
  // Only this worker knows its loss and gradient: it stops the job alone (main aborts every
  // rank) before the servers apply them.
  exchange::check_finite(local_loss, gradient_, info);
  // The servers pushed during backprop hold the last keys: push the rest, then pull.
  std::int64_t rest = client_.num_keys();
  for (int s = client_.servers() - 1; s >= 0 && client_.pushed(s); --s)
    rest = client_.keys_of(s).first;
  record(client_.wait(client_.push(
             KeyRange{0, rest},
             std::span<const float>(gradient_).first(static_cast<std::size_t>(rest)), local_rows)),
         counters);
  record(client_.wait(client_.pull(params)), counters);
  in_flight_ = false;
  return {.done = true, .stop = client_.stop_reached()};
}

PsKeyedExchange::PsKeyedExchange(const comm::Communicator& world, const Roles& roles,
                                 std::size_t num_params, double deadline_seconds,
                                 KeyLayoutKind layout, const SharedPayloads* shared,
                                 const compress::CompressionSpec& compression,
                                 std::span<const MatrixBlock> matrices)
    : PsClientExchange(world, roles, static_cast<std::int64_t>(num_params), deadline_seconds,
                       layout, shared, compression, matrices) {}

void PsKeyedExchange::start(std::span<float>, std::int64_t total_steps) {
  init_servers({}, total_steps);
}

exchange::StepOutcome PsKeyedExchange::pull(std::span<const std::int64_t> keys,
                                            std::span<float> values,
                                            exchange::EpochCounters* counters) {
  const auto stats = client_.wait(client_.pull(keys, values));
  if (counters) record(stats, *counters);
  const bool stop = client_.stop_reached();
  return {.done = !stop, .stop = stop};
}

void PsKeyedExchange::push(std::span<const std::int64_t> keys, std::span<const float> grad,
                           double local_loss, std::int64_t local_rows,
                           const exchange::StepInfo& info, exchange::EpochCounters& counters) {
  exchange::check_finite(local_loss, grad, info);
  client_.set_step(info.global_step, info.stop_wanted);
  record(client_.wait(client_.push(keys, grad, local_rows)), counters);
}

}  // namespace psml::ps
