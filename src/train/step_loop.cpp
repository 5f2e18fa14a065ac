#include "step_loop.hpp"

#include <csignal>

#include "epoch_figures.hpp"
#include "psml/core/stop_signal.hpp"
#include "psml/core/trace.hpp"

namespace psml::train {

StepLoop::StepLoop(WorkerSetup& s, const RunContext& run, data::Batcher& batcher,
                   TrainResult& result, CheckpointSchedule& checkpoints, EarlyStopping& early)
    : s_(s),
      run_(run),
      batcher_(batcher),
      result_(result),
      checkpoints_(checkpoints),
      early_(early),
      runner_(make_step_runner(s, result.params, run.callbacks.poison_gradient)),
      schedule_(run.config.optimizer.schedule, run.config.optimizer.lr,
                run.config.epochs * batcher.steps_per_epoch()),
      global_step_(s.resumed.global_step) {}

std::int64_t StepLoop::run() {
  const auto& config = run_.config;
  s_.any_exchange().start(result_.params, config.epochs * batcher_.steps_per_epoch());
  s_.learner->reserve(batcher_.max_local_rows());
  rows_.reserve(static_cast<std::size_t>(batcher_.max_local_rows()));
  for (std::int64_t epoch = s_.resumed.epoch; epoch < config.epochs; ++epoch) {
    batcher_.begin_epoch(epoch);
    s_.learner->begin_epoch(epoch);
    exchange::EpochCounters counters;
    const auto start = Clock::now();
    if (!run_steps(epoch, counters, start)) throw_stopped();
    if (end_epoch(epoch, seconds_since(start), counters)) return result_.history.back().epoch;
  }
  return config.epochs;
}

bool StepLoop::run_steps(std::int64_t epoch, exchange::EpochCounters& counters,
                         Clock::time_point start) {
  const auto& callbacks = run_.callbacks;
  trace::Recorder* const recorder = trace::active();
  const std::int64_t steps = batcher_.steps_per_epoch();
  for (std::int64_t step = epoch == s_.resumed.epoch ? s_.resumed.step : 0; step < steps; ++step) {
    const std::int64_t next = global_step_ + 1;
    if (recorder) recorder->set_step(next);
    const trace::Scope step_span("step");
    if (callbacks.on_step) callbacks.on_step(next);
    if (callbacks.skip_step && callbacks.skip_step(next)) {
      global_step_ = next;
      continue;
    }
    batcher_.local_rows(step, rows_);
    const auto batch = s_.learner->select(rows_);
    const bool stop_wanted = callbacks.stop_signal && callbacks.stop_signal() != 0;
    const exchange::StepInfo info{epoch, step, next, stop_wanted};
    const auto outcome = runner_->run(batch, info, counters);
    if (outcome.done) global_step_ = next;
    // Where the run stands: after this step, or (a stop before it) before it.
    const bool epoch_end = outcome.done && step + 1 == steps;
    const std::int64_t epochs_done = epoch_end ? epoch + 1 : epoch;
    const std::int64_t in_epoch = epoch_end ? 0 : outcome.done ? step + 1 : step;
    if (outcome.stop) {
      if (checkpoints_.enabled())
        checkpoints_.save(epochs_done, in_epoch, global_step_, result_.params);
      stopped_at_ = outcome.done ? info.describe()
                                 : detail::concat("epoch ", epoch + 1, " step ", step + 1,
                                                  " (global step ", global_step_, " done)");
      return false;
    }
    if (checkpoints_.due(global_step_, in_epoch, epochs_done))
      checkpoints_.save(epochs_done, in_epoch, global_step_, result_.params);
    report_progress(epoch, step, start, counters);
  }
  return true;
}

void StepLoop::report_progress(std::int64_t epoch, std::int64_t step, Clock::time_point start,
                               const exchange::EpochCounters& counters) const {
  if (!run_.callbacks.on_progress || run_.group.rank() != 0) return;
  StepProgress p;
  p.epoch = epoch + 1;
  p.epochs = run_.config.epochs;
  p.step = step + 1;
  p.steps_per_epoch = batcher_.steps_per_epoch();
  p.global_step = global_step_;
  p.seconds = seconds_since(start);
  p.lr = schedule_.lr(global_step_);
  p.workers = run_.group.size();
  p.parameter_server = run_.config.mode == Mode::kPs;
  p.counters = counters;
  run_.callbacks.on_progress(p);
}

bool StepLoop::end_epoch(std::int64_t epoch, double seconds,
                         const exchange::EpochCounters& counters) {
  auto m = summarize_epoch(run_.config, epoch, seconds, counters, run_.group);
  m.global_step = global_step_;
  m.steps = batcher_.steps_per_epoch() - (epoch == s_.resumed.epoch ? s_.resumed.step : 0);
  m.lr = schedule_.lr(global_step_);
  {
    const trace::Scope span("evaluate");
    evaluate_into(m, result_.params, s_, run_.group);
  }
  result_.history.push_back(m);
  if (run_.callbacks.on_epoch) run_.callbacks.on_epoch(m);
  return early_.after_epoch(m, global_step_, result_.params, result_);
}

void StepLoop::throw_stopped() {
  s_.any_exchange().finish(true);
  // The signal that stopped the run: this rank's, else the workers' (a server's signal reached
  // the workers only as a hint), else SIGTERM.
  const auto& callbacks = run_.callbacks;
  const int own = callbacks.stop_signal ? callbacks.stop_signal() : 0;
  const int any = run_.group.allreduce(own, comm::ReduceOp::kMax);
  const int signal = own ? own : any ? any : SIGTERM;
  const std::string outcome = checkpoints_.last().empty()
                                  ? "no checkpoint written (no --checkpoint-dir)"
                                  : "checkpoint written to " + checkpoints_.last();
  throw Stopped(
      detail::concat("stopped by ", signal_name(signal), " at ", stopped_at_, "; ", outcome),
      run_.rank0(), signal);
}

}  // namespace psml::train
