// How far this rank's clock is from rank 0's: to put every rank's trace spans on one time axis.
#pragma once

#include "psml/comm/communicator.hpp"

namespace psml::comm {

// This rank's std::chrono::steady_clock minus rank 0's, in seconds (0 on rank 0). Rank 0 answers
// `rounds` pings of each rank with its clock; the rank takes the reply of the shortest round trip
// and assumes it was read halfway through (Cristian's algorithm): error at most half that round
// trip, microseconds on one node. Collective; on a private duplicate of `comm`, so no message
// of the run can meet a ping.
double clock_offset_to_root(const Communicator& comm, int rounds = 16);

}  // namespace psml::comm
