// PowerSGD over the allreduce (--compression powersgd:R): a sum of rank <= R arrives exactly, the
// other values (biases, matrices too small to gain) exactly too, every rank holds the same sum, and
// error feedback makes the average of many steps' sums converge on the true sum.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "psml/allreduce/power_sgd_allreduce.hpp"
#include "psml/comm/agreement.hpp"
#include "psml/core/rng.hpp"

namespace psml::allreduce {
namespace {

// A 40 x 30 matrix and its bias, then a 3 x 2 matrix (rank-2 factors would be 10 values, more
// than its 6) and its bias.
const std::vector<MatrixBlock> kMatrices{{0, 40, 30}, {1240, 3, 2}};
constexpr std::size_t kParams = 1250;

// A value in [-1, 1) for each index and rank, with no structure (a matrix of them has full rank).
float wave(std::size_t i, int rank) {
  const std::uint64_t bits = mix64(i * 131 + static_cast<std::uint64_t>(rank));
  return static_cast<float>(bits >> 40) / static_cast<float>(1 << 23) - 1.0f;
}

std::vector<float> rank0s(std::span<const float> values, const comm::Communicator& world) {
  std::vector<float> copy(values.begin(), values.end());
  world.broadcast(std::span<float>(copy), 0);
  return copy;
}

TEST(PowerSgdAllreduce, ASumOfLowRankIsExactAndTheRestUntouched) {
  const auto world = comm::Communicator::world();
  PowerSgdAllreduce exchange(world, kParams, kMatrices, 2, 5, true);
  EXPECT_EQ(exchange.compressed_matrices(), 1u);
  // Every rank's big matrix is (rank + 1) u vᵀ: the sum has rank 1.
  auto grad = exchange.gradient();
  const float scale = static_cast<float>(world.rank() + 1);
  for (std::size_t r = 0; r < 40; ++r)
    for (std::size_t c = 0; c < 30; ++c) grad[r * 30 + c] = scale * wave(r, 0) * wave(c + 100, 0);
  for (std::size_t i = 1200; i < kParams; ++i) grad[i] = wave(i, world.rank());
  const auto totals = exchange.reduce(2.0, 3, 7, false);
  EXPECT_EQ(totals.rows, 3 * world.size());
  EXPECT_EQ(totals.non_finite_ranks, 0);
  const auto sum = exchange.sum();
  EXPECT_EQ(std::vector<float>(sum.begin(), sum.end()), rank0s(sum, world));
  const float ranks = static_cast<float>(world.size());
  const float total_scale = ranks * (ranks + 1) / 2;
  for (std::size_t r = 0; r < 40; ++r)
    for (std::size_t c = 0; c < 30; ++c)
      EXPECT_NEAR(sum[r * 30 + c], total_scale * wave(r, 0) * wave(c + 100, 0), 1e-4f * total_scale)
          << r << "," << c;
  for (std::size_t i = 1200; i < kParams; ++i) {
    float truth = 0;
    for (int k = 0; k < world.size(); ++k) truth += wave(i, k);
    EXPECT_NEAR(sum[i], truth, 1e-5f) << i;
  }
  // Two ring allreduces: P (40 x 2) with the 50 other values, then Q (30 x 2).
  EXPECT_DOUBLE_EQ(exchange.bytes_per_step(kParams, world.size()),
                   2.0 * (world.size() - 1) / world.size() * (80 + 50 + 60) * 4);
}

TEST(PowerSgdAllreduce, ErrorFeedbackMakesTheAverageSumConverge) {
  const auto world = comm::Communicator::world();
  PowerSgdAllreduce exchange(world, kParams, kMatrices, 1, 9, true);
  // The same full-rank gradient every step; each step sends a rank-1 view of it.
  std::vector<double> truth(1200, 0.0), sent(1200, 0.0);
  for (std::size_t i = 0; i < 1200; ++i)
    for (int k = 0; k < world.size(); ++k) truth[i] += wave(i * 7 + 3, k);
  const auto relative_error = [&](double steps) {
    double error = 0, norm = 0;
    for (std::size_t i = 0; i < 1200; ++i) {
      error += std::pow(sent[i] / steps - truth[i], 2);
      norm += truth[i] * truth[i];
    }
    return std::sqrt(error / norm);
  };
  // The residual stays bounded, so the average's error falls as 1 / steps.
  double first = 0, at_100 = 0;
  const int steps = 400;
  for (int t = 1; t <= steps; ++t) {
    auto grad = exchange.gradient();
    for (std::size_t i = 0; i < kParams; ++i) grad[i] = wave(i * 7 + 3, world.rank());
    exchange.reduce(0.0, 1, t, false);
    for (std::size_t i = 0; i < 1200; ++i) sent[i] += exchange.sum()[i];
    if (t == 1) first = relative_error(1);
    if (t == 100) at_100 = relative_error(100);
  }
  EXPECT_GT(first, 0.5);  // one rank-1 step misses most of a full-rank matrix
  const double last = relative_error(steps);
  EXPECT_LT(last, 0.1 * first) << "first step " << first;
  EXPECT_LT(last, 0.5 * at_100) << "after 100 steps " << at_100;
}

TEST(PowerSgdAllreduce, ANonFiniteGradientIsCountedAndNothingIsSent) {
  const auto world = comm::Communicator::world();
  PowerSgdAllreduce exchange(world, kParams, kMatrices, 2, 1, true);
  auto grad = exchange.gradient();
  std::fill(grad.begin(), grad.end(), 1.0f);
  if (world.rank() == 0) grad[17] = NAN;
  EXPECT_EQ(exchange.reduce(0.0, 1, 1, false).non_finite_ranks, 1);
}

TEST(PowerSgdAllreduce, RanksOutOfStepAreNamed) {
  const auto world = comm::Communicator::world();
  if (world.size() < 2) GTEST_SKIP() << "needs 2 ranks";
  PowerSgdAllreduce exchange(world, kParams, kMatrices, 2, 1, true);
  std::fill(exchange.gradient().begin(), exchange.gradient().end(), 0.5f);
  try {
    exchange.reduce(0.0, 1, world.rank() == 0 ? 4 : 5, false);
    FAIL() << "no error";
  } catch (const comm::CollectiveError& e) {
    EXPECT_NE(std::string(e.what()).find("PowerSGD"), std::string::npos) << e.what();
  }
}

TEST(PowerSgdAllreduce, RefusesMatricesOutsideTheParametersOrOverlapping) {
  const auto world = comm::Communicator::world();
  const std::vector<MatrixBlock> outside{{1200, 10, 10}};
  EXPECT_THROW(PowerSgdAllreduce(world, kParams, outside, 2, 1, true), Error);
  const std::vector<MatrixBlock> overlapping{{0, 40, 30}, {1000, 10, 10}};
  EXPECT_THROW(PowerSgdAllreduce(world, kParams, overlapping, 2, 1, true), Error);
}

}  // namespace
}  // namespace psml::allreduce
