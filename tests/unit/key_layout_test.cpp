#include <gtest/gtest.h>

#include <vector>

#include "psml/ps/key_layout.hpp"

namespace psml::ps {
namespace {

// Every key belongs to exactly one server, at the position its server's key list gives it.
TEST(KeyLayout, EveryKeyHasOneOwnerAndItsPlaceInTheOwnersKeys) {
  for (const auto kind : {KeyLayoutKind::kRanges, KeyLayoutKind::kBlocks})
    for (const std::int64_t keys : {1, 5, 63, 64, 65, 128, 1000, 4097})
      for (const int servers : {1, 2, 3, 5}) {
        if (keys < servers) continue;
        const KeyLayout layout(keys, servers, kind);
        std::vector<int> seen(static_cast<std::size_t>(keys), 0);
        for (int s = 0; s < servers; ++s) {
          std::int64_t position = 0;
          layout.keys_of(s).for_each_run([&](std::int64_t first, std::int64_t length) {
            for (std::int64_t k = first; k < first + length; ++k, ++position) {
              ASSERT_LT(k, keys);
              ++seen[static_cast<std::size_t>(k)];
              EXPECT_EQ(layout.owner(k), s) << to_string(kind) << " key " << k;
              EXPECT_EQ(layout.local_index(k), position) << to_string(kind) << " key " << k;
            }
          });
          EXPECT_EQ(position, layout.keys_of(s).count());
        }
        for (std::int64_t k = 0; k < keys; ++k)
          EXPECT_EQ(seen[static_cast<std::size_t>(k)], 1)
              << to_string(kind) << ": key " << k << " of " << keys << " on " << servers;
      }
}

TEST(KeyLayout, BlocksDealThePopularFirstKeysToEveryServer) {
  const KeyLayout blocks(1'000'000, 4, KeyLayoutKind::kBlocks);
  const KeyLayout ranges(1'000'000, 4, KeyLayoutKind::kRanges);
  std::vector<int> by_block(4, 0), by_range(4, 0);
  for (std::int64_t k = 0; k < 4096; ++k) {  // the first keys: the popular ones of power-law data
    ++by_block[static_cast<std::size_t>(blocks.owner(k))];
    ++by_range[static_cast<std::size_t>(ranges.owner(k))];
  }
  EXPECT_EQ(by_block, (std::vector<int>{1024, 1024, 1024, 1024}));
  EXPECT_EQ(by_range, (std::vector<int>{4096, 0, 0, 0}));
}

}  // namespace
}  // namespace psml::ps
