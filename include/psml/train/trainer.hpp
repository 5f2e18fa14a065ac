// Training: data-parallel minibatch training of any model, with the gradient exchange of
// --mode allreduce (every rank a worker) or --mode ps (worker ranks and parameter-server ranks).
// The global batch of each step is split across workers (see data/batcher.hpp).
#pragma once

#include <functional>
#include <vector>

#include "psml/checkpoint/checkpoint.hpp"
#include "psml/comm/agreement.hpp"
#include "psml/comm/communicator.hpp"
#include "psml/core/aligned.hpp"
#include "psml/data/schema.hpp"
#include "psml/ps/roles.hpp"
#include "psml/train/report.hpp"
#include "psml/train/train_config.hpp"

namespace psml::train {

// Thrown on every rank when the ranks agreed to stop on SIGTERM / SIGINT (after the final
// checkpoint, if any): "stopped by SIGTERM at epoch E step S; checkpoint written to F". Rank 0
// reports; the program exits with 128 + signal.
class Stopped : public comm::CollectiveError {
 public:
  Stopped(const std::string& message, bool reporter, int signal)
      : CollectiveError(message, reporter), signal_(signal) {}
  int signal() const { return signal_; }

 private:
  int signal_;
};

struct TrainResult {
  AlignedVector<float> params;  // empty on server ranks
  std::vector<EpochMetrics> history;
  // --early-stop: the epoch (1-based) whose parameters the run kept (0: the last one's).
  std::int64_t best_epoch = 0;
  std::string model_file;            // rank 0: where the trained model went (empty: nowhere)
  double peak_worker_mib = 0;        // peak resident memory of the busiest worker rank
  double peak_server_mib = 0;        // ... and of the busiest server rank (0 in allreduce mode)
  std::vector<double> server_bytes;  // ps: payload bytes each server received and sent
};

struct TrainCallbacks {
  std::function<void(const RunHeader&)> on_start;
  std::function<void(const EpochMetrics&)> on_epoch;
  std::function<void(std::int64_t global_step)> on_step;  // workers, before each step (1-based)
  // Worker 0, after each step (progress bars, step lines and step metrics).
  std::function<void(const StepProgress&)> on_progress;
  // Workers, before each step: true makes this rank skip the step's exchange (fault injection:
  // a rank out of step with the others, which the step check must catch).
  std::function<bool(std::int64_t global_step)> skip_step;
  // Workers, after computing each step's gradient: true puts a NaN into it (fault injection: a
  // divergence the loss does not show yet, which the gradient check must catch).
  std::function<bool(std::int64_t global_step)> poison_gradient;
  // The stop signal this rank received (SIGTERM, SIGINT), or 0; read at step boundaries.
  std::function<int()> stop_signal;
  // Servers, when the first push of a step arrives (fault injection).
  std::function<void(std::int64_t step)> on_server_step;
  std::function<void(const std::string& message)> on_note;  // rank 0: checkpoints written, ...
  checkpoint::WriteHook checkpoint_hook;  // every writer, after each dataset (fault injection)
};

// Validates options and data on every rank (all ranks agree on any failure before the first
// training message), then trains. Collective over `world`.
TrainResult train(const TrainConfig& config, const comm::Communicator& world,
                  const TrainCallbacks& callbacks = {});

}  // namespace psml::train
