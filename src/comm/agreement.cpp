#include "psml/comm/agreement.hpp"

#include <exception>

namespace psml::comm {

void run_agreed(const Communicator& comm, const std::function<void()>& phase) {
  std::string message;
  bool failed = false;
  try {
    phase();
  } catch (const CollectiveError&) {
    throw;  // a nested phase already agreed with every rank
  } catch (const std::exception& e) {
    failed = true;
    message = e.what();
  }
  const int first_failed = comm.allreduce(failed ? comm.rank() : comm.size(), ReduceOp::kMin);
  if (first_failed == comm.size()) return;
  if (comm.rank() == first_failed) throw CollectiveError(message, true);
  throw CollectiveError("rank " + std::to_string(first_failed) + " failed", false);
}

}  // namespace psml::comm
