// Which exchange a worker's learner trains with, made for its step protocol: the parameter
// servers (--mode ps), the gather of each step's keys (allreduce on sparse data with many
// features) or the allreduce of a dense gradient.
#pragma once

#include "worker_setup.hpp"

namespace psml::train {

// Makes s.exchange for s.learner (wrapping the learner for --compute-seconds-per-row) and tells
// the learner who hears of its gradient's progress. Collective over the world (the exchanges set
// up their transports).
void connect_exchange(WorkerSetup& s, const RunContext& run);

}  // namespace psml::train
