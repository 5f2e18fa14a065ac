// What a rank does when a wait passes its --deadline: a roll call. The rank that timed out asks
// every rank of the stuck communicator whether it is there, over a communicator of its own (a
// duplicate of the world, so no message of psml's can be mistaken for one of the roll call);
// every rank waiting in any of psml's poll loops answers at once. Once a grace period has passed,
// the ranks that did not answer are the ones the wait was for; the lowest rank that timed out
// names them (world ranks, as mpirun counts them) and the job ends. A rank that is alive but
// stopped (SIGSTOP, a debugger, swapping, a dead NFS mount) is found the same way as one that
// computes past the deadline.
#pragma once

#include <mpi.h>

#include <string>
#include <vector>

#include "psml/core/error.hpp"

namespace psml::comm {

// Thrown on the one rank that reports a wait past its deadline; main prints it and ends the job.
// Failure agreement (run_agreed) passes it on untouched: its collective would wait as well.
class DeadlineExpired : public Error {
 public:
  using Error::Error;
};

namespace roll_call {

// Collective over MPI_COMM_WORLD, once, right after MPI_Init (Environment): the roll call's own
// communicator. Without it a timed-out wait still ends the job, naming no rank.
void open();
void close();

// Answers the roll calls of other ranks that are waiting; cheap when there are none. Every poll
// loop that waits on a peer calls it.
void answer();

// True for a while after this rank answered another rank's roll call: that rank is about to
// report, so a wait that times out now should wait for its verdict rather than report too.
bool peer_reporting();

// Asks every rank of `stuck` whether it is there and returns the world ranks that did not answer
// within the grace period (empty: all are alive, and wait for something else that has a deadline
// of its own, such as a parameter server's answer).
std::vector<int> absent(MPI_Comm stuck);

// A wait on `stuck` (`what`, e.g. "MPI_Allreduce") passed `deadline` seconds and `missing` did not
// answer the roll call. Throws DeadlineExpired on the reporting rank; on the others, waits for
// the reporter to end the job (and reports itself if that does not come).
[[noreturn]] void report(MPI_Comm stuck, const std::vector<int>& missing, const std::string& what,
                         double deadline);

}  // namespace roll_call
}  // namespace psml::comm
