// The solvers that read every training row at once instead of taking steps: the closed form of
// ridge regression (--solver exact) and full-batch L-BFGS (--solver lbfgs). Each adds one epoch
// line to the result. Collective over the workers.
#pragma once

#include "psml/train/trainer.hpp"
#include "worker_setup.hpp"

namespace psml::train {

void solve_exact(WorkerSetup& s, const RunContext& run, TrainResult& result);
void solve_lbfgs(WorkerSetup& s, const RunContext& run, TrainResult& result);

}  // namespace psml::train
