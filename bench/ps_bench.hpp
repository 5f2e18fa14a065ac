// `psml bench ps`: what the parameter server's communication costs on this machine.
//   1. framing: a Boost-serialized header plus raw payload frames against a raw MPI_Send of the
//      same bytes, rank 0 to rank 1;
//   2. push/pull throughput of dense key ranges for 1-4 servers;
//   3. the per-step time split (compute, push, pull, wait) of the MLP 784-256-128-10 task.
#pragma once

#include <cstdint>

#include "psml/comm/communicator.hpp"

namespace psml::bench {

struct PsBenchOptions {
  std::int64_t keys = 1 << 20;  // dense keys per push and per pull
  int iterations = 20;
  int repeats = 5;  // the median of this many timings is reported
  int max_servers = 4;
};

void run_ps_bench(const comm::Communicator& world, const PsBenchOptions& options);

}  // namespace psml::bench
