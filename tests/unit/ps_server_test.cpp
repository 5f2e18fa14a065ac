// The parameter server's arithmetic, checked exactly: the real ps::Server and real WorkerClients
// (simulated_workers.hpp) over many seeded interleavings, in every consistency mode.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "psml/ps/server.hpp"
#include "simulated_workers.hpp"

namespace psml::ps {
namespace {

using testing::SimulatedWorkers;

constexpr double kLr = 0.5, kGamma = 0.5;
constexpr std::int64_t kStepSize = 3;

// The step schedule, written out: the rate of global step s.
double rate_of_step(std::int64_t s) {
  return kLr * std::pow(kGamma, (s - 1) / kStepSize);
}

optim::OptimizerSpec sgd_with_step_schedule() {
  optim::OptimizerSpec spec;
  spec.name = "sgd";
  spec.lr = static_cast<float>(kLr);
  spec.schedule.kind = optim::ScheduleKind::kStep;
  spec.schedule.gamma = static_cast<float>(kGamma);
  spec.schedule.step_size = kStepSize;
  return spec;
}

// Serves the simulated workers until each has said Done; returns the server's parameters.
std::vector<float> serve(SimulatedWorkers& workers, int num_workers, const std::string& consistency,
                         const optim::OptimizerSpec& optimizer,
                         std::vector<float>* state = nullptr) {
  ServerOptions options;
  options.consistency = Consistency::parse(consistency);
  options.optimizer = optimizer;
  Server server(workers, Roles{num_workers, 1}, 0, options);
  server.run();
  if (state) state->assign(server.optimizer_state().begin(), server.optimizer_state().end());
  return {server.params().begin(), server.params().end()};
}

// A gradient sum that differs by worker, step and key.
float gradient(int w, std::int64_t step, std::int64_t key) {
  return static_cast<float>(
      std::sin(1.7 * w + 0.37 * static_cast<double>(step) + 0.91 * static_cast<double>(key)));
}

SimulatedWorkers::Options simulation(int workers, bool sparse, std::uint64_t seed) {
  SimulatedWorkers::Options o;
  o.workers = workers;
  o.keys = 5;
  o.steps = 12;
  o.sparse = sparse;
  o.seed = seed;
  for (std::int64_t k = 0; k < o.keys; ++k) o.initial.push_back(0.25f * static_cast<float>(k));
  if (sparse) o.initial.assign(static_cast<std::size_t>(o.keys), 0.0f);
  o.rows = [](int w, std::int64_t step) { return 1 + (w + step) % 3; };
  o.gradient = gradient;
  o.touched = [](int w, std::int64_t step) {  // 1 to 3 keys, different each step
    std::set<std::int64_t> keys{(w + step) % 5, (2 * w + 3 * step) % 5};
    if (step % 2 == 0) keys.insert((step * step) % 5);
    return std::vector<std::int64_t>(keys.begin(), keys.end());
  };
  // Worker 0 is the slowest, so that ssp's bound is reached.
  o.speed.assign(static_cast<std::size_t>(workers), 1.0);
  o.speed[0] = 0.3;
  return o;
}

// What SGD must leave: every push received applied once at its global step's rate; bsp first sums
// a step's pushes and divides by their rows, ssp and async apply each push over its own rows.
std::vector<double> expected_sgd(const SimulatedWorkers::Options& o,
                                 const std::vector<SimulatedWorkers::ReceivedPush>& pushes,
                                 bool bsp) {
  std::vector<double> params(o.initial.begin(), o.initial.end());
  if (!bsp) {
    for (const auto& p : pushes)
      for (std::size_t i = 0; i < p.keys.size(); ++i)
        params[static_cast<std::size_t>(p.keys[i])] -=
            rate_of_step(p.step) * p.values[i] / static_cast<double>(p.rows);
    return params;
  }
  std::map<std::int64_t, std::pair<std::vector<double>, std::int64_t>> steps;  // sums, rows
  for (const auto& p : pushes) {
    auto& [sums, rows] = steps[p.step];
    sums.resize(params.size(), 0.0);
    rows += p.rows;
    for (std::size_t i = 0; i < p.keys.size(); ++i)
      sums[static_cast<std::size_t>(p.keys[i])] += p.values[i];
  }
  for (const auto& [step, sum_rows] : steps)
    for (std::size_t k = 0; k < params.size(); ++k)
      params[k] -= rate_of_step(step) * sum_rows.first[k] / static_cast<double>(sum_rows.second);
  return params;
}

class ServerArithmetic : public ::testing::TestWithParam<std::tuple<std::string, int, bool>> {};

TEST_P(ServerArithmetic, AppliesEveryPushExactlyOnceAtTheRateOfItsGlobalStep) {
  const auto& [consistency, workers, sparse] = GetParam();
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const auto o = simulation(workers, sparse, seed);
    SimulatedWorkers sim(o);
    const auto params = serve(sim, workers, consistency, sgd_with_step_schedule());
    // Each worker's push of each step reached the server once.
    std::set<std::pair<int, std::int64_t>> seen;
    for (const auto& p : sim.pushes())
      EXPECT_TRUE(seen.insert({p.worker, p.step}).second)
          << "worker " << p.worker << " step " << p.step << " pushed twice";
    ASSERT_EQ(seen.size(), static_cast<std::size_t>(workers * o.steps)) << "seed " << seed;
    const auto want = expected_sgd(o, sim.pushes(), consistency == "bsp");
    for (std::size_t k = 0; k < params.size(); ++k)
      EXPECT_NEAR(params[k], want[k], 1e-5 * (1 + std::abs(want[k])))
          << consistency << ", " << workers << " workers, seed " << seed << ", key " << k;
  }
}

TEST_P(ServerArithmetic, RecordsStalenessAsVersionAtApplyMinusVersionAtPull) {
  const auto& [consistency, workers, sparse] = GetParam();
  const bool bsp = consistency == "bsp";
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const auto o = simulation(workers, sparse, seed);
    SimulatedWorkers sim(o);
    serve(sim, workers, consistency, sgd_with_step_schedule());
    std::map<std::pair<int, std::int64_t>, const SimulatedWorkers::ReceivedPush*> push_of;
    for (const auto& p : sim.pushes()) push_of[{p.worker, p.step}] = &p;
    for (const auto& r : sim.replies()) {
      // The version a reply carries counts the updates applied: one per push (ssp, async), one
      // per step every worker has pushed (bsp).
      const auto min_clock = *std::min_element(r.clocks.begin(), r.clocks.end());
      EXPECT_EQ(r.reply.version, bsp ? min_clock : r.pushes_received);
      // The reply reports the worker's last push: the one of the step its clock counts.
      const std::int64_t last_push = r.pull_clock;
      if (last_push == 0) {
        EXPECT_EQ(r.reply.staleness, -1) << "no push yet";
        continue;
      }
      const auto* p = push_of.at({r.worker, last_push});
      const std::int64_t applied_at = bsp ? p->step - 1 : p->pushes_before;
      EXPECT_EQ(r.reply.staleness, applied_at - p->version)
          << consistency << " seed " << seed << ": worker " << r.worker << " step " << p->step;
    }
  }
}

TEST_P(ServerArithmetic, NeverAnswersAPullBeforeTheConsistencyModelAllows) {
  const auto& [consistency, workers, sparse] = GetParam();
  const auto parsed = Consistency::parse(consistency);
  std::int64_t widest = 0;  // the largest gap between a pull's clock and the slowest worker's
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    SimulatedWorkers sim(simulation(workers, sparse, seed));
    serve(sim, workers, consistency, sgd_with_step_schedule());
    for (const auto& r : sim.replies()) {
      const auto min_clock = *std::min_element(r.clocks.begin(), r.clocks.end());
      const std::int64_t gap = r.pull_clock - min_clock;
      widest = std::max(widest, gap);
      if (parsed.kind == Consistency::Kind::kBsp) {
        EXPECT_LE(gap, 0);
      }
      if (parsed.kind == Consistency::Kind::kSsp) {
        EXPECT_LE(gap, parsed.bound);
      }
    }
  }
  // The slow worker made the bound bind: a server answering early would have been seen.
  if (workers > 1 && parsed.kind == Consistency::Kind::kSsp) {
    EXPECT_EQ(widest, parsed.bound);
  }
  if (workers > 1 && parsed.kind == Consistency::Kind::kAsync) {
    EXPECT_GT(widest, 2);
  }
}

INSTANTIATE_TEST_SUITE_P(EveryMode, ServerArithmetic,
                         ::testing::Combine(::testing::Values("bsp", "ssp:0", "ssp:2", "async"),
                                            ::testing::Values(1, 2, 3), ::testing::Bool()),
                         [](const auto& param_info) {
                           auto name = std::get<0>(param_info.param);
                           std::replace(name.begin(), name.end(), ':', '_');
                           return name + "_" + std::to_string(std::get<1>(param_info.param)) +
                                  "_workers" +
                                  (std::get<2>(param_info.param) ? "_sparse" : "_dense");
                         });

// Lazy sparse optimizers (PyTorch's SparseAdam, TensorFlow's LazyAdam): a push changes only the
// keys it touches, their state included, and corrects Adam's bias with the push's global step,
// not with the number of updates the server has applied (two asynchronous workers make those
// differ).
TEST(ServerSparseOptimizers, StepOnlyTheTouchedKeysAndBiasCorrectWithTheGlobalStep) {
  // Worker 0 touches key 0 at steps 1, 3 and 6, key 1 at 2 and 5, key 2 at 2, 3 and 4; worker 1
  // touches keys 1 and 2 at other steps; key 3 never.
  const std::map<std::int64_t, std::vector<std::int64_t>> touched0{
      {1, {0}}, {2, {1, 2}}, {3, {0, 2}}, {4, {2}}, {5, {1}}, {6, {0}}};
  const std::map<std::int64_t, std::vector<std::int64_t>> touched1{{1, {1}},    {2, {}}, {3, {1}},
                                                                   {4, {1, 2}}, {5, {}}, {6, {2}}};
  constexpr double kB1 = 0.8, kB2 = 0.95, kRho = 0.7, kEps = 1e-3, kRate = 0.1;
  for (const std::string name : {"adam", "adagrad", "rmsprop"}) {
    SimulatedWorkers::Options o;
    o.workers = 2;
    o.keys = 4;
    o.steps = 6;
    o.sparse = true;
    o.seed = 3;
    o.initial.assign(4, 0.0f);
    o.gradient = gradient;
    o.touched = [&](int w, std::int64_t step) { return (w == 0 ? touched0 : touched1).at(step); };
    optim::OptimizerSpec spec;
    spec.name = name;
    spec.lr = static_cast<float>(kRate);
    spec.hyper.beta1 = static_cast<float>(kB1);
    spec.hyper.beta2 = static_cast<float>(kB2);
    spec.hyper.rho = static_cast<float>(kRho);
    spec.hyper.eps = static_cast<float>(kEps);
    SimulatedWorkers sim(o);
    std::vector<float> state;
    const auto params = serve(sim, 2, "async", spec, &state);
    // The reference, in double: each key's own state, stepped only when a push touches it, in
    // the order the server received the pushes, with t = the push's global step.
    std::vector<double> w(4, 0.0), m(4, 0.0), v(4, 0.0);
    for (const auto& p : sim.pushes())
      for (std::size_t j = 0; j < p.keys.size(); ++j) {
        const auto i = static_cast<std::size_t>(p.keys[j]);
        const double g = p.values[j] / static_cast<double>(p.rows);
        const auto t = static_cast<double>(p.step);
        if (name == "adam") {
          m[i] = kB1 * m[i] + (1 - kB1) * g;
          v[i] = kB2 * v[i] + (1 - kB2) * g * g;
          w[i] -= kRate * (m[i] / (1 - std::pow(kB1, t))) /
                  (std::sqrt(v[i] / (1 - std::pow(kB2, t))) + kEps);
        } else if (name == "adagrad") {
          m[i] += g * g;
          w[i] -= kRate * g / (std::sqrt(m[i]) + kEps);
        } else {
          m[i] = kRho * m[i] + (1 - kRho) * g * g;
          w[i] -= kRate * g / (std::sqrt(m[i]) + kEps);
        }
      }
    for (std::size_t k = 0; k < 4; ++k) {
      EXPECT_NEAR(params[k], w[k], 1e-6) << name << " key " << k;
      EXPECT_NEAR(state[k], m[k], 1e-6) << name << " key " << k << " first state slot";
      if (name == "adam") {
        EXPECT_NEAR(state[4 + k], v[k], 1e-6) << "adam key " << k << " v";
      }
    }
    EXPECT_EQ(params[3], 0.0f) << name << ": a key no push touched must not move";
  }
}

}  // namespace
}  // namespace psml::ps
