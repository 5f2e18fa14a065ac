// Which rows each rank uses in each step. An epoch is one pass over the global dataset in a
// seeded order; step s covers global positions [s*B, (s+1)*B) of that order, and each rank takes
// the rows among them that lie in its own shard. So every rank takes the same number of steps per
// epoch, whatever the row count and however uneven the shards, and the global batch of a step is
// the same on any number of ranks.
#pragma once

#include <cstdint>
#include <vector>

#include "psml/data/epoch_order.hpp"
#include "psml/data/row_range.hpp"

namespace psml::data {

class Batcher {
 public:
  Batcher(std::int64_t global_rows, RowRange local, std::int64_t global_batch, std::uint64_t seed);

  std::int64_t steps_per_epoch() const { return steps_; }
  std::int64_t global_batch() const { return batch_; }

  // Starts epoch `epoch`: fixes its order.
  void begin_epoch(std::int64_t epoch);
  // This rank's rows of step `step` of the current epoch, as indices into its shard (0-based).
  void local_rows(std::int64_t step, std::vector<std::int64_t>& out) const;

 private:
  std::int64_t rows_;
  RowRange local_;
  std::int64_t batch_;
  std::int64_t steps_;
  std::uint64_t seed_;
  EpochOrder order_;
};

}  // namespace psml::data
