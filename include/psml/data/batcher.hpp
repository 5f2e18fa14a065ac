// Which rows each rank uses in each step. An epoch has ceil(n / B) steps on every rank, and
// covers every row of the dataset once. Two orders (`--batch-order`):
//
//   local   (default) each rank walks its own shard in a seeded per-epoch order (seeded by rank),
//           and step s takes its positions [s·m/S, (s+1)·m/S) for a shard of m rows: every rank
//           computes about B/N rows of every step, so no synchronous step waits for a rank that
//           drew more than its share (PyTorch's DistributedSampler splits the same way). The
//           batches depend on the number of ranks.
//   global  one seeded order of the whole dataset, the same on every rank; step s covers global
//           positions [s·B, (s+1)·B) and each rank takes the rows among them that lie in its own
//           shard. The global batch of a step is the same on any number of ranks (what
//           bit-identical runs across rank counts need), but a rank's share varies from step to
//           step (about B/N ± √(B/N)).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "psml/data/epoch_order.hpp"
#include "psml/data/row_range.hpp"
#include "psml/data/window_order.hpp"

namespace psml::data {

enum class BatchOrder { kLocal, kGlobal };
std::string to_string(BatchOrder order);

class Batcher {
 public:
  // `rank`: this rank's index among the ranks that share the data (seeds its local order).
  Batcher(std::int64_t global_rows, RowRange local, std::int64_t global_batch, std::uint64_t seed,
          BatchOrder order = BatchOrder::kLocal, int rank = 0);

  std::int64_t steps_per_epoch() const { return steps_; }
  std::int64_t global_batch() const { return batch_; }
  // The most rows this rank takes in any step: what its buffers must hold.
  std::int64_t max_local_rows() const;

  // Streaming (--data-memory, local order only): this rank walks its shard in `windows`' order
  // (window_order.hpp), the order its streaming shard reads in, instead of a full shuffle.
  void set_window_order(const WindowOrder& windows);

  // The seed of this rank's own order (local batch order).
  static std::uint64_t local_seed(std::uint64_t seed, int rank);

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
  BatchOrder order_kind_;
  int rank_;
  EpochOrder order_;
  std::optional<WindowOrder> windows_;
};

}  // namespace psml::data
