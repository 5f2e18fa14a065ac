#include "psml/train/allreduce_trainer.hpp"

#include <chrono>
#include <cmath>
#include <memory>

#include "psml/allreduce/gradient_allreduce.hpp"
#include "psml/comm/agreement.hpp"
#include "psml/core/error.hpp"
#include "psml/data/batcher.hpp"
#include "psml/data/shard_reader.hpp"
#include "psml/models/model_factory.hpp"
#include "psml/optim/optimizer_factory.hpp"
#include "psml/stats/ridge.hpp"
#include "psml/train/evaluate.hpp"
#include "psml/train/params_file.hpp"

namespace psml::train {
namespace {

using Clock = std::chrono::steady_clock;

// The training and test shards of this rank, validated on every rank.
struct Inputs {
  data::Shard train;
  data::Shard test;
  bool has_test = false;
  std::int64_t num_classes = 0;
};

data::RowRange my_rows(const data::DatasetInfo& info, const comm::Communicator& comm) {
  if (info.rows < comm.size())
    throw error(info.path, ": has ", info.rows, " rows, fewer than the ", comm.size(), " ranks");
  return data::balanced_range(info.rows, comm.size(), comm.rank());
}

Inputs load_inputs(const TrainConfig& config, const comm::Communicator& comm) {
  Inputs in;
  comm::run_agreed(comm, [&] {
    const auto fp = config.fingerprint();
    if (comm.allreduce(fp, comm::ReduceOp::kMin) != comm.allreduce(fp, comm::ReduceOp::kMax))
      throw error(
          "the ranks were started with different options (configuration fingerprints "
          "differ): ",
          config.describe());
  });
  comm::run_agreed(comm, [&] {
    const auto info = data::describe_dataset(config.train_path);
    in.train = data::read_shard(info, my_rows(info, comm));
  });
  in.num_classes = in.train.info.num_classes;
  if (in.train.info.task == data::Task::kClassification && in.num_classes == 0)
    in.num_classes =
        comm.allreduce(std::int64_t{in.train.classes.maxCoeff()} + 1, comm::ReduceOp::kMax);
  if (config.test_path.empty()) return in;
  in.has_test = true;
  comm::run_agreed(comm, [&] {
    auto info = data::describe_dataset(config.test_path);
    if (info.features != in.train.info.features)
      throw error(config.test_path, ": has ", info.features, " features, the training data ",
                  config.train_path, " has ", in.train.info.features);
    if (info.task != in.train.info.task)
      throw error(config.test_path, ": is a ", to_string(info.task), " set, the training data is ",
                  to_string(in.train.info.task));
    info.num_classes = in.num_classes;  // test ids must be classes the model knows
    in.test = data::read_shard(info, my_rows(info, comm));
  });
  return in;
}

// Copies the step's rows into contiguous buffers (reused across steps) for the model's gemms.
class BatchBuffer {
 public:
  data::BatchView gather(const data::Shard& shard, const std::vector<std::int64_t>& rows) {
    const auto n = static_cast<Eigen::Index>(rows.size());
    x_.resize(n, shard.x.cols());
    for (Eigen::Index i = 0; i < n; ++i) x_.row(i) = shard.x.row(rows[static_cast<std::size_t>(i)]);
    data::BatchView view{data::ConstRowsMap(x_.data(), n, x_.cols()), {}, {}};
    if (shard.classes.size()) {
      classes_.resize(rows.size());
      for (std::size_t i = 0; i < rows.size(); ++i) classes_[i] = shard.classes[rows[i]];
      view.classes = classes_;
    } else {
      targets_.resize(rows.size());
      for (std::size_t i = 0; i < rows.size(); ++i) targets_[i] = shard.targets[rows[i]];
      view.targets = targets_;
    }
    return view;
  }

 private:
  data::RowMatrix x_;
  std::vector<std::int32_t> classes_;
  std::vector<float> targets_;
};

EpochMetrics evaluate_epoch(models::Model& model, std::span<const float> params, const Inputs& in,
                            const comm::Communicator& comm, EpochMetrics m) {
  if (!in.has_test) return m;
  const auto sums = evaluate_distributed(model, params, in.test, comm);
  m.has_test = true;
  m.test_loss = sums.loss / sums.rows;
  m.regression = in.train.info.task == data::Task::kRegression;
  m.test_accuracy = sums.correct / sums.rows;
  m.test_rmse = std::sqrt(2 * sums.loss / sums.rows);  // loss is ½ Σ r²
  return m;
}

}  // namespace

TrainResult train_allreduce(const TrainConfig& config, const comm::Communicator& comm,
                            const TrainCallbacks& callbacks) {
  Inputs in = load_inputs(config, comm);
  std::unique_ptr<models::Model> model;
  std::unique_ptr<optim::Optimizer> optimizer;
  comm::run_agreed(comm, [&] {
    model = models::make_model<float>(config.model, in.train.info.features, in.train.info.task,
                                      in.num_classes, config.seed);
    optimizer = optim::make_optimizer(config.optimizer);
    if (config.solver == "exact" && config.model.name != "linreg")
      throw error("--solver exact is the closed form of --model linreg, not of ",
                  config.model.name);
  });

  TrainResult result;
  result.params.resize(model->num_params());
  model->init_params(result.params, config.seed);
  data::Batcher batcher(in.train.info.rows, in.train.rows, config.global_batch, config.seed);
  const bool exact = config.solver == "exact";
  if (callbacks.on_start)
    callbacks.on_start(
        {config.model.describe(), config.train_path, in.train.info.rows, in.train.info.features,
         in.num_classes, static_cast<std::int64_t>(result.params.size()), comm.size(),
         config.global_batch, exact ? 0 : batcher.steps_per_epoch(),
         exact ? "closed form (ridge normal equations)" : config.optimizer.describe()});

  if (exact) {
    const auto start = Clock::now();
    result.params = stats::solve_ridge(in.train, config.optimizer.reg.l2, comm);
    EpochMetrics m;
    m.epoch = m.epochs = 1;
    m.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    m.samples_per_second = static_cast<double>(in.train.info.rows) / m.seconds;
    const auto train_sums = evaluate_distributed(*model, result.params, in.train, comm);
    m.train_loss = train_sums.loss / train_sums.rows;
    result.history.push_back(evaluate_epoch(*model, result.params, in, comm, m));
    if (callbacks.on_epoch) callbacks.on_epoch(result.history.back());
  }

  std::vector<float> state(optimizer->state_slots() * result.params.size(), 0.0f);
  allreduce::GradientAllreduce exchange(comm, result.params.size());
  const optim::Schedule schedule(config.optimizer.schedule, config.optimizer.lr,
                                 config.epochs * batcher.steps_per_epoch());
  std::vector<std::int64_t> rows;
  BatchBuffer buffer;
  std::int64_t global_step = 0;
  for (std::int64_t epoch = 0; !exact && epoch < config.epochs; ++epoch) {
    batcher.begin_epoch(epoch);
    double loss_sum = 0;
    std::int64_t seen = 0;
    const auto start = Clock::now();
    for (std::int64_t step = 0; step < batcher.steps_per_epoch(); ++step) {
      batcher.local_rows(step, rows);
      const auto batch = buffer.gather(in.train, rows);
      auto grad = exchange.gradient();
      double local_loss = 0;
      if (batch.rows() > 0)
        local_loss = model->loss_and_gradient(result.params, batch, grad);
      else
        std::fill(grad.begin(), grad.end(), 0.0f);
      const auto totals = exchange.reduce(local_loss, batch.rows());
      if (!std::isfinite(totals.loss_sum))  // every rank sees the same sum, so all stop together
        throw comm::CollectiveError(
            detail::concat("training diverged: loss is ", totals.loss_sum, " at epoch ", epoch + 1,
                           " step ", step + 1, " (try a smaller --lr)"),
            comm.rank() == 0);
      ++global_step;
      optimizer->step(result.params, grad, state, {schedule.lr(global_step), global_step});
      loss_sum += totals.loss_sum;
      seen += totals.rows;
    }
    EpochMetrics m;
    m.epoch = epoch + 1;
    m.epochs = config.epochs;
    m.train_loss = loss_sum / static_cast<double>(seen);
    m.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    m.samples_per_second = static_cast<double>(seen) / m.seconds;
    result.history.push_back(evaluate_epoch(*model, result.params, in, comm, m));
    if (callbacks.on_epoch) callbacks.on_epoch(result.history.back());
  }

  if (!config.save_params.empty())
    comm::run_agreed(comm, [&] {
      if (comm.rank() == 0)
        write_params(config.save_params, result.params, config.model.describe(), config.describe());
    });
  return result;
}

}  // namespace psml::train
