// The run's first lines (train/report.hpp's RunHeader): what trains on what, with which
// optimizer and exchange, from where.
#pragma once

#include "psml/train/report.hpp"
#include "worker_setup.hpp"

namespace psml::train {

// The header of the run `s` sets up, continuing from `first_epoch` / `first_step`;
// `steps_per_epoch` 0 for the full-batch solvers.
RunHeader make_run_header(const WorkerSetup& s, const RunContext& run,
                          std::int64_t steps_per_epoch);

}  // namespace psml::train
