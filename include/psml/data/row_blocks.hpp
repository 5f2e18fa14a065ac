// Walking rows in blocks: the one loop every pass over a shard's rows uses (the statistics, the
// full-batch objective, evaluation, predictions), so that a block's workspace (rows x outputs,
// rows x centroids, rows x features in double) stays small while each block is one GEMM.
#pragma once

#include <Eigen/Core>
#include <algorithm>

namespace psml::data {

// Rows per block unless a pass has a reason of its own (a model's workspace, say).
inline constexpr Eigen::Index kRowBlock = 4096;

// Calls f(first, count) for consecutive blocks [first, first + count) covering [0, rows), in
// order, each of at most `block` rows.
template <class F>
void for_each_row_block(Eigen::Index rows, F&& f, Eigen::Index block = kRowBlock) {
  for (Eigen::Index first = 0; first < rows; first += block)
    f(first, std::min(block, rows - first));
}

}  // namespace psml::data
