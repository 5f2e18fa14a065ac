#include "psml/data/epoch_order.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "psml/data/batcher.hpp"

namespace psml::data {
namespace {

std::vector<std::int64_t> permutation(std::int64_t n, std::uint64_t seed, std::int64_t epoch) {
  EpochOrder order(n, seed, epoch);
  std::vector<std::int64_t> out(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) out[i] = order(i);
  return out;
}

TEST(EpochOrder, IsAPermutationForAnySize) {
  for (std::int64_t n : {1, 2, 3, 5, 16, 17, 1000, 60000}) {
    auto p = permutation(n, 7, 0);
    std::sort(p.begin(), p.end());
    for (std::int64_t i = 0; i < n; ++i) ASSERT_EQ(p[i], i) << "n=" << n;
  }
}

TEST(EpochOrder, DiffersBetweenEpochsAndSeedsAndIsReproducible) {
  EXPECT_EQ(permutation(1000, 1, 3), permutation(1000, 1, 3));
  EXPECT_NE(permutation(1000, 1, 3), permutation(1000, 1, 4));
  EXPECT_NE(permutation(1000, 1, 3), permutation(1000, 2, 3));
  auto p = permutation(1000, 1, 0);
  const auto fixed =
      std::count_if(p.begin(), p.end(), [i = 0](std::int64_t v) mutable { return v == i++; });
  EXPECT_LT(fixed, 10) << "a shuffle should move almost every row";
}

TEST(EpochOrder, IdentityWhenNotShuffling) {
  EpochOrder order(100, 1, 0, false);
  for (std::int64_t i = 0; i < 100; ++i) EXPECT_EQ(order(i), i);
}

TEST(Batcher, AnEpochUsesEveryLocalRowExactlyOnceInEitherOrder) {
  const std::int64_t rows = 1001;
  const RowRange local{334, 333};
  for (const auto order : {BatchOrder::kLocal, BatchOrder::kGlobal}) {
    Batcher batcher(rows, local, 64, 5, order, 1);
    EXPECT_EQ(batcher.steps_per_epoch(), 16);  // ceil(1001 / 64)
    for (std::int64_t epoch = 0; epoch < 2; ++epoch) {
      batcher.begin_epoch(epoch);
      std::vector<int> seen(static_cast<std::size_t>(local.count), 0);
      std::vector<std::int64_t> step_rows;
      for (std::int64_t s = 0; s < batcher.steps_per_epoch(); ++s) {
        batcher.local_rows(s, step_rows);
        for (auto r : step_rows) {
          ASSERT_GE(r, 0);
          ASSERT_LT(r, local.count);
          ++seen[static_cast<std::size_t>(r)];
        }
      }
      for (int count : seen) ASSERT_EQ(count, 1) << to_string(order);
    }
  }
}

TEST(Batcher, LocalOrderTakesAnEvenShareOfEveryStepAndDiffersByEpoch) {
  const RowRange local{0, 333};
  Batcher batcher(1001, local, 64, 5, BatchOrder::kLocal, 1);
  EXPECT_EQ(batcher.max_local_rows(), 21);  // ceil(333 / 16)
  std::vector<std::int64_t> first, again;
  for (std::int64_t s = 0; s < batcher.steps_per_epoch(); ++s) {
    batcher.local_rows(s, first);
    EXPECT_GE(first.size(), 20u);
    EXPECT_LE(first.size(), 21u);
  }
  batcher.local_rows(0, first);
  batcher.begin_epoch(1);
  batcher.local_rows(0, again);
  EXPECT_NE(first, again) << "each epoch has its own order";
}

}  // namespace
}  // namespace psml::data
