// A worker rank's part of a training run: its side of the set-up phases, then the full-batch
// solver or the step loop, then the model file. The twin of train/server_role.hpp.
#pragma once

#include "psml/train/trainer.hpp"
#include "run_context.hpp"

namespace psml::train {

TrainResult run_worker(const RunContext& run);

}  // namespace psml::train
