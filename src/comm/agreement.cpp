#include "psml/comm/agreement.hpp"

#include <exception>

#include "psml/comm/roll_call.hpp"

namespace psml::comm {

void run_agreed(const Communicator& comm, const std::function<void()>& phase) {
  // Each rank proposes a key: its rank if it failed with a message of its own, size + rank if it
  // only knows that some other rank failed (a nested agreement, perhaps over another
  // communicator), 2 size if it succeeded. The smallest key names the rank that reports.
  const int size = comm.size(), rank = comm.rank();
  std::string message;
  int key = 2 * size;
  try {
    phase();
  } catch (const DeadlineExpired&) {
    throw;  // the agreement's own collective would wait for the late rank as well
  } catch (const CollectiveError& e) {
    message = e.what();
    key = e.reporter() ? rank : size + rank;
  } catch (const std::exception& e) {
    message = e.what();
    key = rank;
  }
  const int first = comm.allreduce(key, ReduceOp::kMin);
  if (first == 2 * size) return;
  if (first == key) throw CollectiveError(message, true);
  const int failed_rank = first < size ? first : first - size;
  throw CollectiveError("rank " + std::to_string(failed_rank) + " failed", false);
}

}  // namespace psml::comm
