// Synchronous data-parallel minibatch training over allreduce: the global batch of each step is
// split across ranks (see data/batcher.hpp), gradients are averaged with one allreduce, and every
// rank applies the same optimizer step to its identical copy of the parameters.
#pragma once

#include <functional>
#include <vector>

#include "psml/comm/communicator.hpp"
#include "psml/train/report.hpp"
#include "psml/train/train_config.hpp"

namespace psml::train {

struct TrainResult {
  std::vector<float> params;
  std::vector<EpochMetrics> history;
};

struct TrainCallbacks {
  std::function<void(const RunHeader&)> on_start;
  std::function<void(const EpochMetrics&)> on_epoch;
};

// Loads and validates the data (every rank agrees on failure before any training collective),
// then trains. Collective over `comm`.
TrainResult train_allreduce(const TrainConfig& config, const comm::Communicator& comm,
                            const TrainCallbacks& callbacks = {});

}  // namespace psml::train
