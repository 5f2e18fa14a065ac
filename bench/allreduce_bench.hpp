// `psml bench allreduce`: psml's gradient allreduce against Open MPI's raw MPI_Allreduce of the
// same number of floats, in the same run, as nccl-tests reports it: time, and bus bandwidth =
// bytes x 2(p-1)/p / time (what each rank's link carries in a ring allreduce, so the figures
// compare across rank counts). psml's path is the one training takes: the exchange's header
// (step fingerprint, loss, rows, stop, finiteness) and the --deadline on every collective.
#pragma once

#include <vector>

#include "psml/comm/communicator.hpp"

namespace psml::bench {

struct AllreduceBenchOptions {
  std::vector<double> megabytes{1, 4, 16};
  int iterations = 20;  // allreduces per timing
  int repeats = 7;      // timings; the median is reported
  double deadline = 300;
};

void run_allreduce_bench(const comm::Communicator& world, const AllreduceBenchOptions& options);

}  // namespace psml::bench
