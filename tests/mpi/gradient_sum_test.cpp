// Both ways of summing gradients (allreduce/gradient_sum.hpp) against each other and against
// sums known exactly, step after step, with ranks arriving in every order.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <thread>

#include "psml/allreduce/gradient_sum.hpp"
#include "psml/allreduce/shared_memory_reduce.hpp"
#include "psml/comm/agreement.hpp"
#include "psml/core/rng.hpp"

namespace psml {
namespace {

allreduce::GradientSumOptions of_kind(allreduce::AllreduceKind kind) {
  allreduce::GradientSumOptions options;
  options.kind = kind;
  return options;
}

using allreduce::AllreduceKind;

class GradientSumKinds : public testing::TestWithParam<AllreduceKind> {};

INSTANTIATE_TEST_SUITE_P(, GradientSumKinds,
                         testing::Values(AllreduceKind::kSharedMemory, AllreduceKind::kMpi),
                         [](const auto& which) {
                           return which.param == AllreduceKind::kMpi ? "Mpi" : "SharedMemory";
                         });

// Integer-valued gradients sum exactly in any order: every key of every step is checked, over
// sizes that leave some ranks' slices empty and some not a multiple of the cache-line slices.
TEST_P(GradientSumKinds, SumsEveryKeyOfEveryStepExactly) {
  const auto world = comm::Communicator::world().with_deadline(60);
  const int r = world.rank(), n = world.size();
  for (const std::size_t p :
       {std::size_t{1}, std::size_t{3}, std::size_t{1000}, std::size_t{70'001}}) {
    auto sum = allreduce::make_gradient_sum(world, p, of_kind(GetParam()));
    for (std::int64_t step = 1; step <= 20; ++step) {
      auto g = sum->gradient();
      for (std::size_t k = 0; k < p; ++k)
        g[k] = static_cast<float>((r + 1) * step + static_cast<int>(k % 13));
      // Ranks arrive in a different order each step.
      if ((step + r) % 3 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      const auto totals = sum->reduce(0.25 * (r + 1), r + 1, step, r == n - 1 && step == 7);
      EXPECT_EQ(totals.rows, static_cast<std::int64_t>(n) * (n + 1) / 2);
      EXPECT_DOUBLE_EQ(totals.loss_sum, 0.25 * n * (n + 1) / 2);
      EXPECT_EQ(totals.stop, step == 7) << "step " << step;
      EXPECT_EQ(totals.non_finite_ranks, 0);
      const auto s = sum->sum();
      for (std::size_t k = 0; k < p; ++k)
        ASSERT_EQ(s[k], static_cast<float>(step * n * (n + 1) / 2 + n * static_cast<int>(k % 13)))
            << "key " << k << " of " << p << ", step " << step;
    }
  }
}

// Arbitrary floats: the shared-memory sum is the same on every rank, and for two ranks bit for
// bit MPI_Allreduce's (a + b is b + a); for more, within rounding of it.
TEST(SharedMemoryReduce, AgreesWithMpiAndIsTheSameOnEveryRank) {
  const auto world = comm::Communicator::world();
  const std::size_t p = 50'000;
  auto shm = allreduce::make_gradient_sum(world, p, of_kind(AllreduceKind::kSharedMemory));
  auto mpi = allreduce::make_gradient_sum(world, p, of_kind(AllreduceKind::kMpi));
  EXPECT_EQ(shm->describe(), "shared memory");
  auto rng = make_rng(7, RngPurpose::kSynthetic, static_cast<std::uint64_t>(world.rank()));
  std::normal_distribution<double> normal;
  std::vector<double> magnitude(p);  // sum over ranks of |value|: the rounding's scale
  for (std::size_t k = 0; k < p; ++k) {
    const auto v = static_cast<float>(normal(rng) * std::exp(4.0 * normal(rng)));
    shm->gradient()[k] = v;
    mpi->gradient()[k] = v;
    magnitude[k] = std::abs(v);
  }
  world.allreduce(std::span<double>(magnitude));
  shm->reduce(0, 1, 1);
  mpi->reduce(0, 1, 1);
  std::vector<float> first(shm->sum().begin(), shm->sum().end());
  world.broadcast(std::span<float>(first), 0);
  for (std::size_t k = 0; k < p; ++k) {
    ASSERT_EQ(shm->sum()[k], first[k]) << "rank " << world.rank() << " key " << k;
    if (world.size() == 2)
      ASSERT_EQ(shm->sum()[k], mpi->sum()[k]) << "key " << k;
    else
      ASSERT_NEAR(shm->sum()[k], mpi->sum()[k], 1e-6 * magnitude[k]) << "key " << k;
  }
}

TEST_P(GradientSumKinds, CountsTheRanksWhoseGradientIsNotFinite) {
  const auto world = comm::Communicator::world();
  const int r = world.rank(), n = world.size();
  const std::size_t p = 4096;
  auto sum = allreduce::make_gradient_sum(world, p, of_kind(GetParam()));
  const auto fill = [&] {
    auto g = sum->gradient();
    std::fill(g.begin(), g.end(), 1.0f);
  };
  fill();
  EXPECT_EQ(sum->reduce(1.0, 1, 1).non_finite_ranks, 0);
  fill();
  if (r == n - 1) sum->gradient()[2] = std::numeric_limits<float>::infinity();
  EXPECT_EQ(sum->reduce(1.0, 1, 2).non_finite_ranks, 1);
  // Two ranks, in different ranks' slices (and NaN + Inf in the same key elsewhere).
  fill();
  if (r == 0) sum->gradient()[p - 1] = std::numeric_limits<float>::quiet_NaN();
  if (r == n - 1) sum->gradient()[0] = -std::numeric_limits<float>::infinity();
  EXPECT_EQ(sum->reduce(1.0, 1, 3).non_finite_ranks, n == 1 ? 1 : 2);
  fill();
  EXPECT_EQ(sum->reduce(1.0, 1, 4).non_finite_ranks, 0);
}

// A rank one exchange ahead: every rank learns it at that exchange, rank 0 reports, naming each
// rank's step.
TEST_P(GradientSumKinds, RanksOutOfStepStopEveryRankWithEachRanksStep) {
  const auto world = comm::Communicator::world();
  if (world.size() < 2) GTEST_SKIP() << "needs 2 ranks";
  auto sum = allreduce::make_gradient_sum(world, 100, of_kind(GetParam()));
  EXPECT_NO_THROW(sum->reduce(1.0, 1, 4));
  try {
    sum->reduce(1.0, 1, world.rank() == 1 ? 6 : 5);
    FAIL() << "every rank must throw";
  } catch (const comm::CollectiveError& e) {
    EXPECT_EQ(e.reporter(), world.rank() == 0);
    EXPECT_NE(std::string(e.what()).find("rank 1 at step 6 with 100 gradient values"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace psml
