// How a worker turns its gradient into updated parameters: the one thing that differs between
// allreduce mode and parameter-server mode. The training loop (train/step_loop) is the same for
// all.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "psml/checkpoint/checkpoint.hpp"
#include "psml/models/gradient_listener.hpp"

namespace psml::exchange {

// Where and how a checkpoint (or a saved model) is written.
struct CheckpointTarget {
  checkpoint::Destination to;
  checkpoint::WriteHook hook;  // tests inject crashes between datasets
};

// What a worker saw during one epoch; added over the epoch's steps, then over workers.
struct EpochCounters {
  static constexpr int kStalenessBuckets = 17;  // 0..15, then 16 or more
  double loss_sum = 0;
  double rows = 0;
  // Seconds this worker spent, by what it did; each bucket measures what its name says.
  double compute_seconds = 0;    // the model's forward and backward passes
  double allreduce_seconds = 0;  // allreduce mode: the gradient sum, once every rank has arrived
  double optimizer_seconds = 0;  // allreduce mode: the optimizer's update of this rank's copy
  double push_seconds = 0;       // ps: posting the pushes until they have left
  double pull_seconds = 0;       // ps: pull request to reply, less the servers' hold-back
  double wait_seconds = 0;       // ps: the servers held the pull back for consistency;
                                 // allreduce: waiting for the last rank to arrive at the exchange
  // Payload bytes this worker sent and received: ps, its pushes and pulls; allreduce, what a
  // ring allreduce moves each way, 2 (N - 1) / N of the gradient per step.
  double bytes_sent = 0;
  double bytes_received = 0;
  std::array<double, kStalenessBuckets> staleness{};  // counts of pushes by staleness
  double max_clock_gap = 0;                           // reduced with max, not sum

  // The fields that add up over workers and steps (all but the staleness counts and
  // max_clock_gap), for the code that treats them alike: reductions, differences.
  static constexpr std::array kSums{
      &EpochCounters::loss_sum,          &EpochCounters::rows,
      &EpochCounters::compute_seconds,   &EpochCounters::allreduce_seconds,
      &EpochCounters::optimizer_seconds, &EpochCounters::push_seconds,
      &EpochCounters::pull_seconds,      &EpochCounters::wait_seconds,
      &EpochCounters::bytes_sent,        &EpochCounters::bytes_received};

  void record_staleness(std::int64_t s) {
    if (s >= 0)
      staleness[static_cast<std::size_t>(std::min<std::int64_t>(s, kStalenessBuckets - 1))] += 1;
  }
};

// Which step an exchange belongs to, and whether this rank wants to stop after it.
struct StepInfo {
  std::int64_t epoch = 0;        // 0-based
  std::int64_t step = 0;         // in the epoch, 0-based
  std::int64_t global_step = 0;  // over the whole run, 1-based
  bool stop_wanted = false;      // this rank received SIGTERM / SIGINT

  // "epoch E step S (global step G)", all 1-based: for messages.
  std::string describe() const {
    return "epoch " + std::to_string(epoch + 1) + " step " + std::to_string(step + 1) +
           " (global step " + std::to_string(global_step) + ")";
  }
};

// How a step ended, from the exchange's side: the one place a stop reaches the training loop.
struct StepOutcome {
  bool done = true;   // the step's update was applied
  bool stop = false;  // the ranks agreed to stop: after this step if done, else before it
};

// What every exchange does besides the steps: the run's start and end, and checkpoints. A worker's
// exchange speaks one of two step protocols: DenseExchange (all P keys, held by every worker) or
// KeyedExchange (only the keys a step's rows touch).
class Exchange {
 public:
  virtual ~Exchange() = default;

  // Before the first step: every worker's params become the same starting point (the initial
  // values of worker 0; keyed: zeros, held by the exchange alone). `total_steps` is the number of
  // global steps in the run.
  virtual void start(std::span<float> params, std::int64_t total_steps) = 0;

  // How gradients travel, for the run's first line ("allreduce over shared memory"; empty: the
  // caller describes it).
  virtual std::string describe() const { return {}; }

  // Writes a checkpoint of the parameters and the optimizer state. Collective over the workers;
  // in ps mode worker 0 has the servers write their ranges. Returns the file (on worker 0).
  // `params`: the loop's copy (dense), empty where the exchange holds the parameters.
  virtual std::string save(checkpoint::Metadata meta, const CheckpointTarget& target,
                           std::span<const float> params) = 0;

  // Continues from checkpoint `path`: params and optimizer state where this rank keeps them.
  virtual void resume(const std::string& path, const checkpoint::Metadata& meta,
                      std::span<float> params) = 0;

  // After the last step; `stopped`: the run ends early on a stop signal.
  virtual void finish(bool stopped) = 0;
};

// The dense protocol: every worker holds all P keys; a step's gradient sum becomes updated params.
class DenseExchange : public Exchange {
 public:
  // Where the model writes this worker's gradient sum of the step.
  virtual std::span<float> gradient() = 0;

  // Before the model computes a step's gradient: which step it is and how many rows this worker
  // computes (an exchange that sends parts of the gradient during backprop needs both first).
  virtual void begin_step(const StepInfo& /*info*/, std::int64_t /*local_rows*/) {}

  // Who hears from backprop which keys' gradient is final, to start sending it while earlier
  // layers compute (none: the exchange starts after backprop).
  virtual models::GradientListener* listener() { return nullptr; }

  // One step: from the gradient sum over `local_rows` rows to updated params. The outcome is
  // done, with stop when the ranks agreed to stop after this step (some rank wanted to): every
  // worker learns it at the same step (allreduce, bsp; in ssp / async each worker at its own next
  // step).
  virtual StepOutcome step(std::span<float> params, double local_loss, std::int64_t local_rows,
                           const StepInfo& info, EpochCounters& counters) = 0;
};

// The keyed protocol: a worker holds no parameter vector; a step pulls the values of the keys its
// rows touch, and pushes one gradient value per key.
class KeyedExchange : public Exchange {
 public:
  // Before computing: the current values of `keys` (sorted, unique) into `values`, the pull's
  // figures into `counters` (if given). Not done, with stop, when the ranks agreed to stop before
  // this step (parameter servers: server 0 decided a stop at this worker's clock; the gather:
  // some rank wanted to stop at the previous step).
  virtual StepOutcome pull(std::span<const std::int64_t> keys, std::span<float> values,
                           EpochCounters* counters = nullptr) = 0;

  // After computing: the gradient sum over `local_rows` rows, one value per key.
  virtual void push(std::span<const std::int64_t> keys, std::span<const float> grad,
                    double local_loss, std::int64_t local_rows, const StepInfo& info,
                    EpochCounters& counters) = 0;
};

}  // namespace psml::exchange
