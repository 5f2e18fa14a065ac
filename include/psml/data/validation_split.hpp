// A held-out validation set taken from the training file (--validation F): global row r is held
// out when a hash of (seed, r) falls below F, so the split is the same on any number of ranks and
// any sharding, and about F of the rows are held out. The rows kept are numbered again in file
// order (0, 1, ... over all ranks), so that batch orders stay defined over one global numbering.
#pragma once

#include <cstdint>

#include "psml/comm/communicator.hpp"
#include "psml/data/csr.hpp"
#include "psml/data/shard.hpp"

namespace psml::data {

bool in_validation(std::int64_t row, double fraction, std::uint64_t seed);

// Moves this rank's held-out rows of `train` into the returned shard; `train` keeps the others.
// Collective over `comm` (the ranks holding consecutive parts of the file, in rank order): both
// shards' infos then count all ranks' rows, and their RowRanges number them in file order.
// Throws psml::Error (on every rank alike) when either part would be empty.
Shard split_validation(Shard& train, double fraction, std::uint64_t seed,
                       const comm::Communicator& comm);
SparseShard split_validation(SparseShard& train, double fraction, std::uint64_t seed,
                             const comm::Communicator& comm);

}  // namespace psml::data
