// Training: data-parallel minibatch training of any model, with the gradient exchange of
// --mode allreduce (every rank a worker) or --mode ps (worker ranks and parameter-server ranks).
// The global batch of each step is split across workers (see data/batcher.hpp).
#pragma once

#include <functional>
#include <vector>

#include "psml/checkpoint/checkpoint.hpp"
#include "psml/comm/communicator.hpp"
#include "psml/core/aligned.hpp"
#include "psml/ps/roles.hpp"
#include "psml/train/report.hpp"
#include "psml/train/train_config.hpp"

namespace psml::train {

struct TrainResult {
  AlignedVector<float> params;  // empty on server ranks
  std::vector<EpochMetrics> history;
  double peak_worker_mib = 0;  // peak resident memory of the busiest worker rank
  double peak_server_mib = 0;  // ... and of the busiest server rank (0 in allreduce mode)
};

struct TrainCallbacks {
  std::function<void(const RunHeader&)> on_start;
  std::function<void(const EpochMetrics&)> on_epoch;
  std::function<void(std::int64_t global_step)> on_step;    // workers, before each step (1-based)
  std::function<void(const std::string& message)> on_note;  // rank 0: checkpoints written, ...
  checkpoint::WriteHook checkpoint_hook;  // every writer, after each dataset (fault injection)
};

// How long a worker waits for a server before it ends the job (after the servers' deadlines).
double worker_deadline(const TrainConfig& config, const ps::Roles& roles);

// Adds one epoch's counters over the workers (max_clock_gap: the maximum). Collective.
EpochCounters reduce_counters(const EpochCounters& local, const comm::Communicator& workers);

// Validates options and data on every rank (all ranks agree on any failure before the first
// training message), then trains. Collective over `world`.
TrainResult train(const TrainConfig& config, const comm::Communicator& world,
                  const TrainCallbacks& callbacks = {});

}  // namespace psml::train
