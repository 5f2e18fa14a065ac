// The training loop of a worker: epochs of steps, each step's rows selected, computed and
// exchanged (train/step_runner.hpp), checkpoints on schedule, an epoch line with its evaluation,
// early stopping. On a stop the ranks agreed on, it writes a checkpoint and throws Stopped.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "checkpoint_schedule.hpp"
#include "early_stopping.hpp"
#include "psml/core/stopwatch.hpp"
#include "psml/data/batcher.hpp"
#include "psml/optim/schedule.hpp"
#include "psml/train/trainer.hpp"
#include "step_runner.hpp"
#include "worker_setup.hpp"

namespace psml::train {

class StepLoop {
 public:
  StepLoop(WorkerSetup& s, const RunContext& run, data::Batcher& batcher, TrainResult& result,
           CheckpointSchedule& checkpoints, EarlyStopping& early);

  // From s.resumed to the last epoch (or an early stop). Returns the epochs done.
  std::int64_t run();
  std::int64_t global_step() const { return global_step_; }

 private:
  // One epoch's steps; false when the ranks agreed to stop (`stopped_at_` says where).
  bool run_steps(std::int64_t epoch, exchange::EpochCounters& counters, Clock::time_point start);
  void report_progress(std::int64_t epoch, std::int64_t step, Clock::time_point start,
                       const exchange::EpochCounters& counters) const;
  // The epoch line; true when early stopping ends the run.
  bool end_epoch(std::int64_t epoch, double seconds, const exchange::EpochCounters& counters);
  [[noreturn]] void throw_stopped();

  WorkerSetup& s_;
  const RunContext& run_;
  data::Batcher& batcher_;
  TrainResult& result_;
  CheckpointSchedule& checkpoints_;
  EarlyStopping& early_;
  std::unique_ptr<StepRunner> runner_;
  optim::Schedule schedule_;  // the learning rate, for progress lines
  std::int64_t global_step_;
  std::vector<std::int64_t> rows_;
  std::string stopped_at_;
};

}  // namespace psml::train
