// An epoch's figures: the workers' counters added up, and the model judged on the validation and
// test rows. Each function is collective over the workers.
#pragma once

#include <span>

#include "psml/train/report.hpp"
#include "worker_setup.hpp"

namespace psml::train {

// The epoch line of `local` (this worker's counters) after `seconds`: every worker's counters
// added up, the mean train loss and the samples per second.
EpochMetrics summarize_epoch(const TrainConfig& config, std::int64_t epoch, double seconds,
                             const exchange::EpochCounters& local,
                             const comm::Communicator& workers);

// The validation and test figures of `params` into `m`.
void evaluate_into(EpochMetrics& m, std::span<const float> params, WorkerSetup& s,
                   const comm::Communicator& workers);

}  // namespace psml::train
