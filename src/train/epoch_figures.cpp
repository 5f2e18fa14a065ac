#include "epoch_figures.hpp"

#include <cmath>
#include <vector>

namespace psml::train {
namespace {

exchange::EpochCounters reduce_counters(const exchange::EpochCounters& local,
                                        const comm::Communicator& workers) {
  std::vector<double> sums;
  for (const auto field : exchange::EpochCounters::kSums) sums.push_back(local.*field);
  sums.insert(sums.end(), local.staleness.begin(), local.staleness.end());
  workers.allreduce(std::span<double>(sums));
  exchange::EpochCounters out;
  std::size_t i = 0;
  for (const auto field : exchange::EpochCounters::kSums) out.*field = sums[i++];
  std::copy(sums.begin() + static_cast<std::ptrdiff_t>(i), sums.end(), out.staleness.begin());
  out.max_clock_gap = workers.allreduce(local.max_clock_gap, comm::ReduceOp::kMax);
  return out;
}

}  // namespace

EpochMetrics summarize_epoch(const TrainConfig& config, std::int64_t epoch, double seconds,
                             const exchange::EpochCounters& local,
                             const comm::Communicator& workers) {
  EpochMetrics m;
  m.seconds = seconds;
  m.epoch = epoch + 1;
  m.epochs = config.epochs;
  m.parameter_server = config.mode == Mode::kPs;
  m.workers = workers.size();
  m.counters = reduce_counters(local, workers);
  m.train_loss = m.counters.loss_sum / m.counters.rows;
  m.samples_per_second = m.counters.rows / m.seconds;
  return m;
}

void evaluate_into(EpochMetrics& m, std::span<const float> params, WorkerSetup& s,
                   const comm::Communicator& workers) {
  m.regression = s.info.task == data::Task::kRegression;
  auto* keys = s.keyed_exchange();
  if (s.learner->has_validation()) {
    const auto v = s.learner->evaluate_validation(params, keys, workers);
    // --early-stop decides on these figures on every worker: worker 0's bits everywhere (an
    // allreduce's rounding may differ between ranks).
    double sums[3] = {v.loss, v.correct, v.rows};
    workers.broadcast(std::span<double>(sums), 0);
    m.has_validation = true;
    m.validation_loss = sums[0] / sums[2];
    m.validation_accuracy = sums[1] / sums[2];
    m.validation_rmse = std::sqrt(2 * sums[0] / sums[2]);
  }
  if (!s.learner->has_test()) return;
  const auto sums = s.learner->evaluate_test(params, keys, workers);
  m.has_test = true;
  m.test_loss = sums.loss / sums.rows;
  m.test_accuracy = sums.correct / sums.rows;
  m.test_rmse = std::sqrt(2 * sums.loss / sums.rows);  // the loss is ½ Σ r²
}

}  // namespace psml::train
