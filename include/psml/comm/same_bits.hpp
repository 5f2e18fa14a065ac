// Sums that every rank holds to the same bit. MPI's reduction algorithms may add the ranks' parts
// in different orders on different ranks, so a plain allreduce can leave the ranks a rounding
// apart; where each rank decides alone on a sum (a line search, a stopping rule, an eigenbasis),
// they must decide alike, so rank 0's sums are broadcast.
#pragma once

#include <span>

#include "psml/comm/communicator.hpp"

namespace psml::comm {

// Sums `values` over `comm`, leaving rank 0's bits on every rank. Collective.
inline void allreduce_same_bits(const Communicator& comm, std::span<double> values) {
  comm.allreduce(values);
  comm.broadcast(values, 0);
}

}  // namespace psml::comm
