#include "psml/train/sparse_trainer.hpp"

#include <chrono>
#include <csignal>
#include <memory>

#include "psml/comm/agreement.hpp"
#include "psml/core/error.hpp"
#include "psml/core/stop_signal.hpp"
#include "psml/core/stopwatch.hpp"
#include "psml/data/batcher.hpp"
#include "psml/data/csr.hpp"
#include "psml/exchange/divergence.hpp"
#include "psml/models/sparse_logreg.hpp"
#include "psml/ps/deadlines.hpp"
#include "psml/ps/worker_client.hpp"

namespace psml::train {
namespace {

data::SparseShard read_my_rows(const std::string& path, const comm::Communicator& workers) {
  const auto info = data::describe_dataset(path);
  if (!info.sparse) throw error(path, ": is dense; the training data is sparse (CSR)");
  return data::read_sparse_shard(info, worker_rows(info, workers));
}

// Loss and accuracy over every worker's test rows, pulling their keys block by block.
models::EvalSums evaluate(const models::SparseLogisticRegression& model,
                          const data::SparseShard& test, ps::WorkerClient& client,
                          const comm::Communicator& workers) {
  constexpr std::int64_t kBlock = 4096;
  models::EvalSums local;
  std::vector<std::int64_t> rows, keys;
  std::vector<float> weights;
  // Every worker takes the same number of blocks, so that bsp pulls stay in step.
  const std::int64_t blocks =
      workers.allreduce((test.x.rows() + kBlock - 1) / kBlock, comm::ReduceOp::kMax);
  for (std::int64_t b = 0; b < blocks; ++b) {
    rows.clear();
    for (std::int64_t r = b * kBlock; r < std::min(test.x.rows(), (b + 1) * kBlock); ++r)
      rows.push_back(r);
    model.keys_of(test.x, rows, keys);
    weights.resize(keys.size());
    client.pull_sparse(keys, weights);
    local += model.evaluate(test.x, rows, test.classes, keys, weights);
  }
  double sums[3] = {local.loss, local.correct, local.rows};
  workers.allreduce(std::span<double>(sums));
  return {sums[0], sums[1], sums[2]};
}

}  // namespace

TrainResult run_sparse_worker(const TrainConfig& config, const comm::Communicator& world,
                              const comm::Communicator& workers, const ps::Roles& roles,
                              const ps::Consistency& consistency, const TrainCallbacks& callbacks) {
  data::SparseShard train, test;
  comm::run_agreed(world, [&] { train = read_my_rows(config.train_path, workers); });
  std::unique_ptr<ps::WorkerClient> client;
  const models::SparseLogisticRegression model(train.info.features);
  comm::run_agreed(world, [&] {
    if (!config.test_path.empty()) {
      test = read_my_rows(config.test_path, workers);
      if (test.info.features != train.info.features)
        throw error(config.test_path, ": has ", test.info.features, " features, the training data ",
                    config.train_path, " has ", train.info.features);
    }
    if (train.classes.size() && train.classes.maxCoeff() > 1)
      throw error(config.train_path, ": sparse logreg is binary, the labels go up to ",
                  train.classes.maxCoeff());
    client = std::make_unique<ps::WorkerClient>(world, roles, model.num_keys(),
                                                ps::worker_deadline(config.deadline, roles));
  });

  // The resume phase every rank joins (trainer.cpp); sparse runs do not resume yet.
  comm::run_agreed(world, [] {});

  data::Batcher batcher(train.info.rows, train.rows, config.global_batch, config.seed);
  const std::int64_t total_steps = config.epochs * batcher.steps_per_epoch();
  if (callbacks.on_start)
    callbacks.on_start({"logreg (sparse)", config.train_path, train.info.rows, train.info.features,
                        2, model.num_keys(), world.size(), config.global_batch,
                        batcher.steps_per_epoch(), config.optimizer.summary(),
                        describe_exchange(config, roles) + ", sparse push/pull"});
  if (world.rank() == 0)
    client->init_servers_zero(consistency.kind == ps::Consistency::Kind::kBsp
                                  ? total_steps
                                  : total_steps * roles.workers);

  TrainResult result;
  std::vector<std::int64_t> rows, keys;
  std::vector<float> weights, grad;
  std::int64_t global_step = 0;
  bool stopped = false;
  std::string stopped_at;
  for (std::int64_t epoch = 0; epoch < config.epochs && !stopped; ++epoch) {
    batcher.begin_epoch(epoch);
    exchange::EpochCounters counters;
    const auto start = Clock::now();
    for (std::int64_t step = 0; step < batcher.steps_per_epoch(); ++step) {
      ++global_step;
      if (callbacks.on_step) callbacks.on_step(global_step);
      if (callbacks.skip_step && callbacks.skip_step(global_step)) continue;
      batcher.local_rows(step, rows);
      model.keys_of(train.x, rows, keys);
      weights.resize(keys.size());
      grad.resize(keys.size());
      client->set_step(global_step, callbacks.stop_signal && callbacks.stop_signal() != 0);
      const auto pulled = client->pull_sparse(keys, weights);
      // The reply may name the clock every worker stops at (the pushes made so far): all stop
      // before the same step. Sparse runs write no checkpoints yet.
      if (client->stop_reached()) {
        stopped = true;
        stopped_at = detail::concat("epoch ", epoch + 1, " step ", step + 1, " (global step ",
                                    global_step - 1, " done)");
        break;
      }
      const auto compute_start = Clock::now();
      const double loss =
          model.loss_and_gradient(train.x, rows, train.classes, keys, weights, grad);
      counters.compute_seconds += seconds_since(compute_start);
      exchange::check_finite(loss, grad, {epoch, step, global_step, false});
      const auto pushed = client->push_sparse(keys, grad, static_cast<std::int64_t>(rows.size()));
      counters.loss_sum += loss;
      counters.rows += static_cast<double>(rows.size());
      counters.pull_seconds += pulled.pull_seconds;
      counters.wait_seconds += pulled.wait_seconds;
      counters.push_seconds += pushed.push_seconds;
      counters.max_clock_gap =
          std::max(counters.max_clock_gap, static_cast<double>(pulled.clock_gap));
      for (const auto s : pulled.staleness) counters.record_staleness(s);
    }
    if (stopped) break;
    auto m = summarize_epoch(config, epoch, seconds_since(start), counters, workers);
    if (!config.test_path.empty()) {
      const auto sums = evaluate(model, test, *client, workers);
      m.has_test = true;
      m.test_loss = sums.loss / sums.rows;
      m.test_accuracy = sums.correct / sums.rows;
    }
    result.history.push_back(m);
    if (callbacks.on_epoch) callbacks.on_epoch(m);
  }
  client->done(stopped);
  if (stopped)
    throw_stopped(stopped_at, "sparse runs write no checkpoints yet", world, workers, callbacks);
  return result;
}

}  // namespace psml::train
