// How long each rank of a parameter-server job waits for a peer before it ends the job. The
// waits are staggered so that one rank reports a stuck peer, the one that knows most: the servers
// first (they know which worker's clock is behind), one after another, then the workers.
// A deadline of 0 is none: every wait blocks (the simulation build, where waits take simulated
// time and a wall-clock deadline means nothing).
#pragma once

#include "psml/ps/roles.hpp"

namespace psml::ps {

// Server `server` (0-based index among the servers): its longest wait for any worker's message.
inline double server_deadline(double deadline, int server) {
  if (deadline <= 0) return 0;
  return deadline + 0.5 * server;
}

// A worker's longest wait for a server's answer: after every server's own deadline, with room
// for a server's MPI_Abort to reach the workers (seconds on a loaded machine: with 1 s of room a
// worker still alive 2 s after the server reported sometimes reported as well).
inline double worker_deadline(double deadline, const Roles& roles) {
  if (deadline <= 0) return 0;
  return deadline + 0.5 * roles.servers + 3.0;
}

// A server's longest wait for the checkpoint it is writing with the others to complete: some
// deadline after the workers', so that a worker waiting for the checkpoint names the stuck server
// first.
inline double checkpoint_deadline(double deadline, const Roles& roles) {
  if (deadline <= 0) return 0;
  return worker_deadline(deadline, roles) + deadline;
}

}  // namespace psml::ps
