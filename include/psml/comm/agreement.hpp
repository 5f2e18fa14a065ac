// Collective failure agreement: a phase (argument checks, loading and validating data) runs on
// every rank, and if it fails on any rank, it fails on every rank, so no rank goes on to wait in a
// collective that the failed rank will never join. The lowest failing rank reports the cause.
#pragma once

#include <functional>
#include <string>

#include "psml/comm/communicator.hpp"
#include "psml/core/error.hpp"

namespace psml::comm {

// Thrown on every rank when a phase failed somewhere. All ranks know, so they can leave through
// MPI_Finalize with a non-zero code; only the reporting rank prints the message.
class CollectiveError : public Error {
 public:
  CollectiveError(const std::string& message, bool reporter)
      : Error(message), reporter_(reporter) {}
  bool reporter() const { return reporter_; }

 private:
  bool reporter_;
};

// Runs `phase` on this rank, then agrees with the others (one small allreduce) on whether any
// rank failed. Collective: every rank of `comm` must call it.
void run_agreed(const Communicator& comm, const std::function<void()>& phase);

}  // namespace psml::comm
