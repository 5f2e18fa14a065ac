#include "psml/data/standardization.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace psml::data {
namespace {

// Two workers' rows of a dense set, summed as the set-up sums them over the workers.
TEST(Standardization, DenseFiguresOfRowsSplitAcrossWorkersAreThoseOfAllRows) {
  RowMatrix a(2, 3), b(1, 3);
  a << 1, 5, 1e6, 3, 5, 1e6 + 2;
  b << 5, 5, 1e6 + 4;
  auto sums = feature_sums(a);
  const auto more = feature_sums(b);
  for (std::size_t j = 0; j < 3; ++j) sums[j] += more[j];
  std::vector<double> mean(3);
  for (std::size_t j = 0; j < 3; ++j) mean[j] = sums[j] / 3;
  auto dev = squared_deviations(a, mean);
  const auto dev_b = squared_deviations(b, mean);
  for (std::size_t j = 0; j < 3; ++j) dev[j] += dev_b[j];
  const auto s = standardization_of(sums, dev, 3, true);
  EXPECT_DOUBLE_EQ(s.mean[0], 3);
  EXPECT_DOUBLE_EQ(s.scale[0], std::sqrt(8.0 / 3));
  EXPECT_DOUBLE_EQ(s.scale[1], 1);  // a constant feature is left as it is
  // Far from 0 (float32 holds 1e6 + 2 exactly): two passes do not cancel.
  EXPECT_NEAR(s.scale[2], std::sqrt(8.0 / 3), 1e-9);
  RowMatrix x = b;
  s.apply(x);
  EXPECT_FLOAT_EQ(x(0, 0), static_cast<float>(2 / std::sqrt(8.0 / 3)));
  EXPECT_FLOAT_EQ(x(0, 1), 0);
}

// CSR: the unstored zeros count in the deviations; values are only divided, never shifted.
TEST(Standardization, CsrIsScaledByTheColumnsStdWithItsZeros) {
  CsrRows x;
  x.indptr = {0, 1, 1, 2};  // rows: {0: 2}, {}, {1: 6}
  x.indices = {0, 1};
  x.values = {2, 6};
  const auto sums = feature_sums(x, 2);
  const std::vector<double> mean{sums[0] / 3, sums[1] / 3};
  const auto s = standardization_of(sums, squared_deviations(x, mean), 3, false);
  EXPECT_EQ(s.mean, (std::vector<double>{0, 0}));
  EXPECT_DOUBLE_EQ(s.scale[0], std::sqrt(8.0 / 9));  // std of {2, 0, 0}
  EXPECT_DOUBLE_EQ(s.scale[1], std::sqrt(8.0));      // std of {0, 0, 6}
  s.apply(x);
  EXPECT_FLOAT_EQ(x.values[0], static_cast<float>(2 / std::sqrt(8.0 / 9)));
  EXPECT_FLOAT_EQ(x.values[1], static_cast<float>(6 / std::sqrt(8.0)));
}

}  // namespace
}  // namespace psml::data
