#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

#include "psml/allreduce/gradient_allreduce.hpp"
#include "psml/comm/agreement.hpp"

namespace psml {
namespace {

TEST(GradientAllreduce, AveragesGradientSumsOverTheGlobalRowCount) {
  const auto world = comm::Communicator::world();
  allreduce::GradientAllreduce exchange(world, 3);
  const int r = world.rank();
  auto g = exchange.gradient();
  g[0] = static_cast<float>(r + 1);  // rank r holds r+1 rows
  g[1] = 2.0f * static_cast<float>(r + 1);
  g[2] = 0.0f;
  const auto totals = exchange.reduce(0.5 * (r + 1), r + 1);
  const int n = world.size();
  const std::int64_t rows = static_cast<std::int64_t>(n) * (n + 1) / 2;
  EXPECT_EQ(totals.rows, rows);
  EXPECT_NEAR(totals.loss_sum, 0.5 * static_cast<double>(rows), 1e-5);
  EXPECT_FLOAT_EQ(g[0], 1.0f);
  EXPECT_FLOAT_EQ(g[1], 2.0f);
  EXPECT_FLOAT_EQ(g[2], 0.0f);
}

TEST(Agreement, AFailureOnOneRankFailsEveryRankAndTheLowestFailingRankReports) {
  const auto world = comm::Communicator::world();
  const int failing = world.size() - 1;
  try {
    comm::run_agreed(world, [&] {
      if (world.rank() == failing) throw error("bad shard on rank ", failing);
    });
    FAIL() << "every rank must throw";
  } catch (const comm::CollectiveError& e) {
    EXPECT_EQ(e.reporter(), world.rank() == failing);
    if (e.reporter()) {
      EXPECT_STREQ(e.what(), ("bad shard on rank " + std::to_string(failing)).c_str());
    }
  }
  EXPECT_NO_THROW(comm::run_agreed(world, [] {}));
}

}  // namespace
}  // namespace psml

namespace psml {
namespace {

TEST(Agreement, ANestedAgreementOverOneRankStillAgreesWithEveryRank) {
  // Rank 0 fails inside an agreement over MPI_COMM_SELF-sized communicator; the outer agreement
  // must still end on every rank, with rank 0 reporting its own message.
  const auto world = comm::Communicator::world();
  const auto alone = world.split(world.rank(), 0);
  try {
    comm::run_agreed(world, [&] {
      if (world.rank() == 0) comm::run_agreed(alone, [] { throw error("disk full"); });
    });
    FAIL() << "every rank must throw";
  } catch (const comm::CollectiveError& e) {
    EXPECT_EQ(e.reporter(), world.rank() == 0);
    if (e.reporter()) {
      EXPECT_STREQ(e.what(), "disk full");
    }
  }
}

}  // namespace
}  // namespace psml

namespace psml {
namespace {

TEST(GradientAllreduce, EveryRankLearnsHowManyRanksHadANonFiniteGradient) {
  const auto world = comm::Communicator::world();
  allreduce::GradientAllreduce exchange(world, 4);
  auto g = exchange.gradient();
  std::fill(g.begin(), g.end(), 1.0f);
  EXPECT_EQ(exchange.reduce(1.0, 1, 1).non_finite_ranks, 0);
  std::fill(g.begin(), g.end(), 1.0f);
  if (world.rank() == world.size() - 1) g[2] = std::numeric_limits<float>::infinity();
  EXPECT_EQ(exchange.reduce(1.0, 1, 2).non_finite_ranks, 1);
}

}  // namespace
}  // namespace psml
