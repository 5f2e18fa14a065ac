#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "psml/core/error.hpp"
#include "psml/optim/optimizer_factory.hpp"
#include "psml/optim/schedule.hpp"

namespace psml::optim {
namespace {

TEST(Sgd, FollowsTheTextbookUpdateWithRegularisation) {
  OptimizerSpec spec;
  spec.reg = {0.1f, 0.05f};
  auto sgd = make_optimizer(spec);
  std::vector<float> w{1.0f, -0.02f, 0.5f}, g{0.5f, 0.0f, -1.0f}, state;
  std::vector<double> expected(w.begin(), w.end());
  const float lr = 0.2f;
  for (int t = 1; t <= 3; ++t) {
    sgd->step(w, g, state, {lr, t});
    for (std::size_t i = 0; i < expected.size(); ++i) {
      double v = expected[i] - lr * (g[i] + 0.1 * expected[i]);
      v = std::copysign(std::max(std::abs(v) - lr * 0.05, 0.0), v);
      expected[i] = v;
    }
    for (std::size_t i = 0; i < w.size(); ++i) EXPECT_NEAR(w[i], expected[i], 1e-6) << t;
  }
  EXPECT_EQ(w[1], 0.0f) << "L1 drives a small weight to exactly zero";
}

TEST(Schedule, ComputesEachKindAndWarmUp) {
  ScheduleSpec s;
  EXPECT_FLOAT_EQ(Schedule(s, 0.5f, 100).lr(77), 0.5f);
  s.kind = "step";
  s.gamma = 0.5f;
  s.step_size = 10;
  EXPECT_FLOAT_EQ(Schedule(s, 1.0f, 100).lr(10), 1.0f);
  EXPECT_FLOAT_EQ(Schedule(s, 1.0f, 100).lr(11), 0.5f);
  EXPECT_FLOAT_EQ(Schedule(s, 1.0f, 100).lr(21), 0.25f);
  s.kind = "exponential";
  EXPECT_NEAR(Schedule(s, 1.0f, 100).lr(6), std::pow(0.5, 0.5), 1e-6);
  s.kind = "cosine";
  s.min_lr = 0.1f;
  EXPECT_FLOAT_EQ(Schedule(s, 1.0f, 100).lr(1), 1.0f);
  EXPECT_NEAR(Schedule(s, 1.0f, 100).lr(51), 0.55, 1e-6);
  EXPECT_NEAR(Schedule(s, 1.0f, 100).lr(101), 0.1, 1e-6);
  s.warmup_steps = 4;
  EXPECT_FLOAT_EQ(Schedule(s, 1.0f, 100).lr(1), 0.25f);
  EXPECT_FLOAT_EQ(Schedule(s, 1.0f, 100).lr(4), 1.0f);
  s.kind = "bogus";
  EXPECT_THROW(Schedule(s, 1.0f, 100), Error);
}

}  // namespace
}  // namespace psml::optim
