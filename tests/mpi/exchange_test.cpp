#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "psml/allreduce/allreduce_exchange.hpp"
#include "psml/allreduce/gradient_allreduce.hpp"
#include "psml/comm/agreement.hpp"

namespace psml {
namespace {

TEST(GradientAllreduce, SumsGradientsLossesAndRowsOverEveryRank) {
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
  EXPECT_FLOAT_EQ(g[0], static_cast<float>(rows));  // the optimizer divides by the rows
  EXPECT_FLOAT_EQ(g[1], 2.0f * static_cast<float>(rows));
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

namespace psml {
namespace {

// Optimizer time is the global step in every mode (the parameter server's side of this is
// tests/unit/ps_server_test.cpp): step s is applied with the schedule's rate of step s, also when
// a resumed run starts at a later step.
TEST(AllreduceExchange, AppliesTheRateOfEachGlobalStep) {
  const auto world = comm::Communicator::world();
  optim::OptimizerSpec spec;
  spec.name = "sgd";
  spec.lr = 0.5f;
  spec.schedule.kind = optim::ScheduleKind::kStep;
  spec.schedule.gamma = 0.5f;
  spec.schedule.step_size = 3;
  const auto rate = [](std::int64_t s) { return 0.5 * std::pow(0.5, (s - 1) / 3); };
  for (const std::int64_t first : {1, 7}) {  // from the start, and resumed at step 7
    allreduce::AllreduceExchange exchange(world, 2, spec);
    std::vector<float> params(2, 0.0f);
    exchange.start(params, 12);
    exchange::EpochCounters counters;
    double want = 0;
    for (std::int64_t s = first; s <= 12; ++s) {
      auto g = exchange.gradient();
      std::fill(g.begin(), g.end(), static_cast<float>(world.rank() + 1));  // the mean is 1
      exchange.step(params, 0.0, world.rank() + 1, {0, s - 1, s, false}, counters);
      want -= rate(s);
      EXPECT_NEAR(params[0], want, 1e-6) << "global step " << s;
    }
  }
}

}  // namespace
}  // namespace psml

namespace psml {
namespace {

// Buckets started while "backprop" reports layers from the end sum exactly like one allreduce,
// step after step, and a NaN in an early bucket still stops the step before anything applies it.
TEST(GradientAllreduce, BucketsStartedDuringBackpropSumLikeOneAllreduce) {
  const auto world = comm::Communicator::world();
  const std::size_t p = 1000;
  allreduce::GradientAllreduce exchange(world, p, 128);
  EXPECT_EQ(exchange.buckets(), 8u);  // 7 of 128 keys from the end, then 104 with the header
  const int r = world.rank(), n = world.size();
  for (int step = 1; step <= 3; ++step) {
    auto g = exchange.gradient();
    for (std::size_t k = 0; k < p; ++k)
      g[k] = static_cast<float>((r + 1) * step + static_cast<int>(k % 7));
    // Three "layers" from the end, each reported when done, with progress calls between.
    exchange.ready(700, 300);
    exchange.progress();
    exchange.ready(200, 500);
    exchange.progress();
    exchange.ready(0, 200);
    const auto totals = exchange.reduce(1.0, r + 1, step);
    EXPECT_EQ(totals.rows, static_cast<std::int64_t>(n) * (n + 1) / 2);
    EXPECT_EQ(totals.non_finite_ranks, 0);
    for (std::size_t k = 0; k < p; ++k)
      ASSERT_FLOAT_EQ(g[k],
                      static_cast<float>(step * n * (n + 1) / 2 + n * static_cast<int>(k % 7)))
          << "key " << k << " step " << step;
  }
  auto g = exchange.gradient();
  std::fill(g.begin(), g.end(), 1.0f);
  if (r == 0) g[950] = std::numeric_limits<float>::quiet_NaN();  // in the first bucket to start
  exchange.ready(0, p);
  EXPECT_EQ(exchange.reduce(1.0, 1, 4).non_finite_ranks, 1);
}

}  // namespace
}  // namespace psml
