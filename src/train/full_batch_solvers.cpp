#include "full_batch_solvers.hpp"

#include <cstdio>

#include "epoch_figures.hpp"
#include "psml/core/stopwatch.hpp"
#include "psml/models/model_factory.hpp"
#include "psml/optim/lbfgs.hpp"
#include "psml/stats/ridge.hpp"
#include "psml/train/full_batch.hpp"

namespace psml::train {
namespace {

// The one epoch line of a full-batch solve that took `evaluations` passes over the rows.
void add_epoch(WorkerSetup& s, const RunContext& run, TrainResult& result, Clock::time_point start,
               std::int64_t evaluations, std::int64_t iterations) {
  EpochMetrics m;
  m.epoch = m.epochs = 1;
  m.seconds = seconds_since(start);
  m.steps = iterations;
  m.samples_per_second =
      static_cast<double>(s.info.rows) * static_cast<double>(evaluations) / m.seconds;
  const auto train_sums = s.learner->evaluate_train(result.params, s.keyed_exchange(), run.group);
  m.train_loss = train_sums.loss / train_sums.rows;
  evaluate_into(m, result.params, s, run.group);
  result.history.push_back(m);
  if (run.callbacks.on_epoch) run.callbacks.on_epoch(m);
}

FullBatchObjective objective_of(const WorkerSetup& s, const RunContext& run) {
  const auto& config = run.config;
  const double l2 = effective_l2(config, s.info.rows);
  const auto rows = s.learner->rows_in_memory();
  if (const auto* sparse = std::get_if<const data::SparseShard*>(&rows))
    return FullBatchObjective(models::make_sparse_model<double>(config.model, s.info.features,
                                                                s.info.task, s.num_classes),
                              **sparse, l2, run.group);
  return FullBatchObjective(models::make_model<double>(config.model, s.info.features, s.info.task,
                                                       s.num_classes, config.seed),
                            *std::get<const data::Shard*>(rows), l2, run.group);
}

}  // namespace

void solve_exact(WorkerSetup& s, const RunContext& run, TrainResult& result) {
  const auto start = Clock::now();
  const auto& rows = *std::get<const data::Shard*>(s.learner->rows_in_memory());
  const auto theta = stats::solve_ridge(rows, run.config.optimizer.reg.l2, run.group);
  result.params.assign(theta.begin(), theta.end());
  add_epoch(s, run, result, start, 1, 0);
}

void solve_lbfgs(WorkerSetup& s, const RunContext& run, TrainResult& result) {
  const auto start = Clock::now();
  FullBatchObjective objective = objective_of(s, run);
  // From θ = 0, as scikit-learn starts (the objective is convex: the start decides only the time).
  std::vector<double> theta(objective.num_params(), 0.0);
  auto options = run.config.lbfgs;
  options.l1 = run.config.optimizer.reg.l1;
  run.note(detail::concat("lbfgs ", std::string(4, ' '), "iter", std::string(9, ' '), "objective",
                          std::string(6, ' '), "|gradient|", std::string(6, ' '), "step  evals",
                          std::string(6, ' '), "s"));
  const auto r = optim::minimize_lbfgs(
      [&](std::span<const double> x, std::span<double> g) { return objective(x, g); }, theta,
      options, objective.weight_mask(),
      [&](const optim::LbfgsIteration& it) {
        char line[160];
        std::snprintf(line, sizeof line, "lbfgs %8d %18.10g %16.6g %10.4g %6d %7.2f", it.iteration,
                      it.objective, it.gradient_norm, it.step, it.evaluations,
                      seconds_since(start));
        run.note(line);
      });
  run.note(detail::concat("lbfgs: ", r.converged ? "converged" : "stopped", " after ", r.iterations,
                          " iterations (", r.stopped_because, "), ", r.evaluations,
                          " evaluations of the loss and gradient"));
  result.params.assign(theta.begin(), theta.end());
  add_epoch(s, run, result, start, objective.evaluations(), r.iterations);
}

}  // namespace psml::train
