// The streamed shard's order (data/window_order.hpp): a permutation of the shard every epoch,
// windows that hold exactly their chunks' rows, and steps that never span more than two windows.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "psml/core/error.hpp"
#include "psml/data/batcher.hpp"
#include "psml/data/window_order.hpp"

namespace psml::data {
namespace {

TEST(WindowOrder, ChunksCoverTheShardInSizesThatDifferByAtMostOne) {
  for (const std::int64_t rows : {1, 7, 1000, 1001, 65537}) {
    const WindowOrder order(rows, 64, 3, 1);
    std::int64_t next = 0, smallest = rows, largest = 0;
    for (std::int64_t c = 0; c < order.chunks(); ++c) {
      const auto chunk = order.chunk(c);
      EXPECT_EQ(chunk.first, next);
      next = chunk.end();
      smallest = std::min(smallest, chunk.count);
      largest = std::max(largest, chunk.count);
      for (const auto row : {chunk.first, chunk.end() - 1}) EXPECT_EQ(order.chunk_of_row(row), c);
    }
    EXPECT_EQ(next, rows);
    EXPECT_LE(largest - smallest, 1);
    EXPECT_EQ(largest, order.max_chunk_rows());
    if (rows >= 64) {
      EXPECT_GE(smallest, 64) << "every chunk holds at least the rows asked for";
    }
  }
}

TEST(WindowOrder, EachEpochVisitsEveryRowOnceWindowByWindow) {
  const std::int64_t rows = 10'007;
  WindowOrder order(rows, 100, 7, 42);
  std::vector<std::int64_t> first_epoch;
  for (std::int64_t epoch = 0; epoch < 3; ++epoch) {
    order.begin_epoch(epoch);
    std::vector<std::int64_t> seen;
    std::int64_t window = 0;
    std::set<std::int64_t> window_chunks;
    for (std::int64_t p = 0; p < rows; ++p) {
      const auto row = order(p);
      const auto c = order.chunk_of_row(row);
      const auto w = order.window_of_chunk(c);
      // Windows come one after another, each with at most W chunks.
      ASSERT_GE(w, window) << "position " << p;
      if (w != window) {
        EXPECT_LE(window_chunks.size(), static_cast<std::size_t>(order.window_chunks()));
        window_chunks.clear();
        window = w;
      }
      window_chunks.insert(c);
      seen.push_back(row);
    }
    EXPECT_EQ(window, order.windows() - 1);
    auto sorted = seen;
    std::sort(sorted.begin(), sorted.end());
    for (std::int64_t r = 0; r < rows; ++r) ASSERT_EQ(sorted[static_cast<std::size_t>(r)], r);
    if (epoch == 0)
      first_epoch = seen;
    else
      EXPECT_NE(seen, first_epoch) << "epoch " << epoch << " repeats epoch 0's order";
  }
}

// The batcher's steps over a streamed shard: every step's rows lie in at most two consecutive
// windows (what the streamed shard keeps resident), on shares that do not divide evenly.
TEST(WindowOrder, BatcherStepsSpanAtMostTwoWindows) {
  const RowRange local{1000, 4999};
  Batcher batcher(20'000, local, 96, 3, BatchOrder::kLocal, 1);
  const WindowOrder windows(local.count, batcher.max_local_rows(), 2, Batcher::local_seed(3, 1));
  batcher.set_window_order(windows);
  WindowOrder same = windows;
  std::vector<std::int64_t> rows;
  std::int64_t total = 0;
  for (std::int64_t epoch = 0; epoch < 2; ++epoch) {
    batcher.begin_epoch(epoch);
    same.begin_epoch(epoch);
    for (std::int64_t s = 0; s < batcher.steps_per_epoch(); ++s) {
      batcher.local_rows(s, rows);
      std::int64_t low = same.windows(), high = -1;
      for (const auto r : rows) {
        const auto w = same.window_of_chunk(same.chunk_of_row(r));
        low = std::min(low, w);
        high = std::max(high, w);
      }
      ASSERT_LE(high - low, 1) << "epoch " << epoch << " step " << s;
      total += static_cast<std::int64_t>(rows.size());
    }
  }
  EXPECT_EQ(total, 2 * local.count);
  EXPECT_THROW(Batcher(20'000, local, 96, 3, BatchOrder::kGlobal, 1).set_window_order(windows),
               Error);
}

}  // namespace
}  // namespace psml::data
