#include "psml/core/finite.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

namespace psml {
namespace {

TEST(AllFinite, AcceptsEveryFiniteValueIncludingExtremes) {
  using L = std::numeric_limits<float>;
  const std::vector<float> values{
      0.0f, -0.0f, 1.0f, L::max(), L::lowest(), L::min(), L::denorm_min(), -L::denorm_min()};
  EXPECT_TRUE(all_finite(values));
  EXPECT_TRUE(all_finite({}));
}

TEST(AllFinite, FindsOneNanOrInfAnywhere) {
  using L = std::numeric_limits<float>;
  for (const float bad :
       {L::quiet_NaN(), -L::quiet_NaN(), L::signaling_NaN(), L::infinity(), -L::infinity()})
    for (const std::size_t at : {std::size_t{0}, std::size_t{17}, std::size_t{1000}}) {
      std::vector<float> values(1001, 0.5f);
      values[at] = bad;
      EXPECT_FALSE(all_finite(values)) << bad << " at " << at;
    }
}

}  // namespace
}  // namespace psml
