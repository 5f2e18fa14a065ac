#include "psml/data/row_range.hpp"

#include <gtest/gtest.h>

namespace psml::data {
namespace {

TEST(BalancedRange, CoversEveryRowOnceWithSizesDifferingByAtMostOne) {
  for (std::int64_t rows : {1, 7, 10, 1001, 60000}) {
    for (int parts : {1, 2, 3, 4, 7}) {
      if (rows < parts) continue;
      std::int64_t next = 0, smallest = rows, largest = 0;
      for (int i = 0; i < parts; ++i) {
        const auto r = balanced_range(rows, parts, i);
        EXPECT_EQ(r.first, next) << rows << " rows, part " << i << " of " << parts;
        next = r.end();
        smallest = std::min(smallest, r.count);
        largest = std::max(largest, r.count);
      }
      EXPECT_EQ(next, rows);
      EXPECT_LE(largest - smallest, 1);
    }
  }
}

}  // namespace
}  // namespace psml::data
