#include "psml/allreduce/sparse_gather_exchange.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include "psml/comm/agreement.hpp"
#include "psml/core/error.hpp"
#include "psml/core/stopwatch.hpp"
#include "psml/core/trace.hpp"
#include "psml/exchange/divergence.hpp"
#include "psml/exchange/key_sums.hpp"

namespace psml::allreduce {
namespace {

// What each rank says about its step before its pairs.
struct Header {
  std::int64_t keys = 0, rows = 0, stop = 0, non_finite = 0;
  double loss = 0;
};

}  // namespace

SparseGatherExchange::SparseGatherExchange(const comm::Communicator& comm, std::size_t num_params,
                                           const optim::OptimizerSpec& optimizer)
    : comm_(comm),
      spec_(optimizer),
      optimizer_(optim::make_optimizer(optimizer)),
      params_(num_params, 0.0f),
      state_(optimizer_->state_slots() * num_params, 0.0f) {}

void SparseGatherExchange::start(std::span<float>, std::int64_t total_steps) {
  schedule_ = std::make_unique<optim::Schedule>(spec_.schedule, spec_.lr, total_steps);
}

exchange::StepOutcome SparseGatherExchange::pull(std::span<const std::int64_t> keys,
                                                 std::span<float> values,
                                                 exchange::EpochCounters*) {
  for (std::size_t k = 0; k < keys.size(); ++k)
    values[k] = params_[static_cast<std::size_t>(keys[k])];
  return {.done = !stop_agreed_, .stop = stop_agreed_};
}

void SparseGatherExchange::push(std::span<const std::int64_t> keys, std::span<const float> grad,
                                double local_loss, std::int64_t local_rows,
                                const exchange::StepInfo& info, exchange::EpochCounters& counters) {
  const auto start = Clock::now();
  const auto ranks = static_cast<std::size_t>(comm_.size());
  // 1. Every rank's header: how many pairs, rows, its loss, whether it wants to stop.
  Header mine;
  mine.keys = static_cast<std::int64_t>(keys.size());
  mine.rows = local_rows;
  mine.stop = info.stop_wanted ? 1 : 0;
  mine.loss = local_loss;
  for (const float g : grad) mine.non_finite += std::isfinite(g) ? 0 : 1;
  std::vector<Header> headers(ranks);
  comm_.allgather(std::as_bytes(std::span(&mine, 1)), std::as_writable_bytes(std::span(headers)),
                  "the sparse gradient's sizes");
  std::int64_t longest = 0, rows = 0, non_finite = 0;
  double loss = 0;
  bool stop = false;
  for (const auto& h : headers) {
    longest = std::max(longest, h.keys);
    rows += h.rows;
    loss += h.loss;
    non_finite += h.non_finite > 0 ? 1 : 0;
    stop = stop || h.stop != 0;
  }
  if (!std::isfinite(loss))
    throw comm::CollectiveError(
        exchange::divergence_message(detail::concat("loss is ", loss), info), comm_.rank() == 0);
  if (non_finite > 0)
    throw comm::CollectiveError(
        exchange::divergence_message(
            detail::concat("the gradient is not finite (nan or inf) on ", non_finite, " of ", ranks,
                           ranks == 1 ? " rank" : " ranks"),
            info),
        comm_.rank() == 0);
  // 2. Every rank's pairs, padded to the longest list: keys (int64) then values (float).
  const auto width = static_cast<std::size_t>(longest) * (sizeof(std::int64_t) + sizeof(float));
  mine_.assign(width, std::byte{0});
  std::memcpy(mine_.data(), keys.data(), keys.size_bytes());
  std::memcpy(mine_.data() + static_cast<std::size_t>(longest) * sizeof(std::int64_t), grad.data(),
              grad.size_bytes());
  all_.resize(width * ranks);
  comm_.allgather(mine_, all_, "the sparse gradient");
  // 3. The sums, key by key, in rank order: every rank adds the same numbers in the same order.
  pairs_.clear();
  for (std::size_t r = 0; r < ranks; ++r) {
    const auto* base = all_.data() + r * width;
    for (std::int64_t k = 0; k < headers[r].keys; ++k) {
      std::int64_t key;
      float value;
      std::memcpy(&key, base + static_cast<std::size_t>(k) * sizeof(std::int64_t), sizeof key);
      std::memcpy(&value,
                  base + static_cast<std::size_t>(longest) * sizeof(std::int64_t) +
                      static_cast<std::size_t>(k) * sizeof(float),
                  sizeof value);
      pairs_.emplace_back(key, value);
    }
  }
  exchange::sum_by_key(pairs_, keys_, sums_);
  const auto gathered = Clock::now();
  // 4. The optimizer on the union of the step's keys, in this rank's copy.
  {
    trace::Scope span("optimizer");
    const float mean = rows > 0 ? 1.0f / static_cast<float>(rows) : 0.0f;
    update_.step(*optimizer_, params_, state_, keys_, sums_, schedule_->at(info.global_step, mean));
  }
  counters.bytes_sent += static_cast<double>(width);
  counters.bytes_received += static_cast<double>(width * (ranks - 1));
  counters.allreduce_seconds += std::chrono::duration<double>(gathered - start).count();
  counters.optimizer_seconds += seconds_since(gathered);
  stop_agreed_ = stop;  // every rank saw the same headers: all stop before the next step
}

std::string SparseGatherExchange::save(checkpoint::Metadata meta,
                                       const exchange::CheckpointTarget& target,
                                       std::span<const float>) {
  meta.optimizer_step = meta.global_step;
  meta.state_slots = static_cast<std::int64_t>(optimizer_->state_slots());
  std::string path;
  comm::run_agreed(comm_, [&] {
    if (comm_.rank() != 0) return;
    const std::vector<std::int64_t> clocks(static_cast<std::size_t>(comm_.size()),
                                           meta.global_step);
    path =
        checkpoint::write_checkpoint(target.to, meta, data::RowRange{0, meta.num_params}, params_,
                                     state_, clocks, comm::Communicator::self(), target.hook);
  });
  return path;
}

void SparseGatherExchange::resume(const std::string& path, const checkpoint::Metadata& meta,
                                  std::span<float>) {
  if (static_cast<std::size_t>(meta.state_slots) != optimizer_->state_slots())
    throw error(path, ": holds ", meta.state_slots, " optimizer state slots, --optimizer ",
                spec_.name, " keeps ", optimizer_->state_slots());
  checkpoint::read_range(path, meta, data::RowRange{0, meta.num_params}, params_, state_);
}

}  // namespace psml::allreduce
