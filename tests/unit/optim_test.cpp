#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "psml/core/error.hpp"
#include "psml/optim/optimizer_factory.hpp"
#include "psml/optim/schedule.hpp"

namespace psml::optim {
namespace {

// Each optimizer's trajectory over a few steps, against its textbook update written out in double.
struct Textbook {
  std::string name;
  std::function<void(double& w, double g, double& s, double& v, int t, double lr)> update;
};

constexpr double kMu = 0.8, kB1 = 0.85, kB2 = 0.99, kRho = 0.7, kEps = 1e-6, kL2 = 0.1, kL1 = 0.02;

std::vector<Textbook> textbooks() {
  return {
      {"sgd",
       [](double& w, double g, double&, double&, int, double lr) { w -= lr * (g + kL2 * w); }},
      {"momentum",
       [](double& w, double g, double& s, double&, int, double lr) {
         g += kL2 * w;
         s = kMu * s + g;
         w -= lr * s;
       }},
      {"nesterov",
       [](double& w, double g, double& s, double&, int, double lr) {
         g += kL2 * w;
         s = kMu * s + g;
         w -= lr * (g + kMu * s);
       }},
      {"adagrad",
       [](double& w, double g, double& s, double&, int, double lr) {
         g += kL2 * w;
         s += g * g;
         w -= lr * g / (std::sqrt(s) + kEps);
       }},
      {"rmsprop",
       [](double& w, double g, double& s, double&, int, double lr) {
         g += kL2 * w;
         s = kRho * s + (1 - kRho) * g * g;
         w -= lr * g / (std::sqrt(s) + kEps);
       }},
      {"adam",
       [](double& w, double g, double& m, double& v, int t, double lr) {
         g += kL2 * w;
         m = kB1 * m + (1 - kB1) * g;
         v = kB2 * v + (1 - kB2) * g * g;
         w -= lr * (m / (1 - std::pow(kB1, t))) / (std::sqrt(v / (1 - std::pow(kB2, t))) + kEps);
       }},
      {"adamw",
       [](double& w, double g, double& m, double& v, int t, double lr) {
         m = kB1 * m + (1 - kB1) * g;
         v = kB2 * v + (1 - kB2) * g * g;
         w -= lr * (m / (1 - std::pow(kB1, t))) / (std::sqrt(v / (1 - std::pow(kB2, t))) + kEps) +
              lr * kL2 * w;
       }},
  };
}

TEST(Optimizers, FollowTheirTextbookUpdatesWithL2AndL1) {
  const std::vector<float> grads[] = {{0.5f, 0.0f, -1.0f, 0.03f},
                                      {-0.2f, 0.1f, -0.7f, 0.02f},
                                      {0.4f, -0.3f, 0.2f, 0.01f},
                                      {0.1f, 0.2f, -0.1f, 0.0f}};
  for (const auto& tb : textbooks()) {
    SCOPED_TRACE(tb.name);
    OptimizerSpec spec;
    spec.name = tb.name;
    spec.hyper = {static_cast<float>(kMu), static_cast<float>(kB1), static_cast<float>(kB2),
                  static_cast<float>(kRho), static_cast<float>(kEps)};
    spec.reg = {static_cast<float>(kL2), static_cast<float>(kL1)};
    auto opt = make_optimizer(spec);
    std::vector<float> w{1.0f, -0.5f, 0.25f, 0.01f};
    std::vector<float> state(opt->state_slots() * w.size(), 0.0f);
    std::vector<double> ew(w.begin(), w.end()), es(w.size(), 0.0), ev(w.size(), 0.0);
    for (int t = 1; t <= 4; ++t) {
      const double lr = 0.1 / t;
      opt->step(w, grads[t - 1], state, {static_cast<float>(lr), t});
      for (std::size_t i = 0; i < w.size(); ++i) {
        tb.update(ew[i], grads[t - 1][i], es[i], ev[i], t, lr);
        ew[i] = std::copysign(std::max(std::abs(ew[i]) - lr * kL1, 0.0), ew[i]);  // L1 prox
        EXPECT_NEAR(w[i], ew[i], 2e-6) << "step " << t << " key " << i;
      }
    }
  }
}

TEST(Optimizers, RejectMismatchedSpans) {
  OptimizerSpec spec;
  spec.name = "adam";
  auto opt = make_optimizer(spec);
  std::vector<float> w(3), g(3), state(5);
  EXPECT_THROW(opt->step(w, g, state, {}), Error);
}

TEST(Schedule, ComputesEachKindAndWarmUp) {
  ScheduleSpec s;
  EXPECT_FLOAT_EQ(Schedule(s, 0.5f, 100).lr(77), 0.5f);
  s.kind = ScheduleKind::kStep;
  s.gamma = 0.5f;
  s.step_size = 10;
  EXPECT_FLOAT_EQ(Schedule(s, 1.0f, 100).lr(10), 1.0f);
  EXPECT_FLOAT_EQ(Schedule(s, 1.0f, 100).lr(11), 0.5f);
  EXPECT_FLOAT_EQ(Schedule(s, 1.0f, 100).lr(21), 0.25f);
  s.kind = ScheduleKind::kExponential;
  EXPECT_NEAR(Schedule(s, 1.0f, 100).lr(6), std::pow(0.5, 0.5), 1e-6);
  s.kind = ScheduleKind::kCosine;
  s.min_lr = 0.1f;
  EXPECT_FLOAT_EQ(Schedule(s, 1.0f, 100).lr(1), 1.0f);
  EXPECT_NEAR(Schedule(s, 1.0f, 100).lr(51), 0.55, 1e-6);
  EXPECT_NEAR(Schedule(s, 1.0f, 100).lr(101), 0.1, 1e-6);
  s.warmup_steps = 4;
  EXPECT_FLOAT_EQ(Schedule(s, 1.0f, 100).lr(1), 0.25f);
  EXPECT_FLOAT_EQ(Schedule(s, 1.0f, 100).lr(4), 1.0f);
  s.step_size = 0;
  EXPECT_THROW(Schedule(s, 1.0f, 100), Error);
}

}  // namespace
}  // namespace psml::optim
