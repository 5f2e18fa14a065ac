// The real WorkerClient against the real Server, as threads of one process over the in-process
// transport: 3 workers and 2 servers in every consistency mode, dense and sparse, both key
// layouts. The threads interleave as they please, so the checks are properties that hold in
// every interleaving: every push applied exactly once, bsp workers agreeing after each step,
// ssp's bound on the clock gap, and every worker stopping at the same clock.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <memory>
#include <set>
#include <thread>
#include <tuple>

#include "psml/ps/in_process_transport.hpp"
#include "psml/ps/server.hpp"
#include "psml/ps/worker_client.hpp"

namespace psml::ps {
namespace {

constexpr int kWorkers = 3, kServers = 2;
constexpr double kDeadline = 60;

struct Job {
  std::string consistency = "bsp";
  bool sparse = false;
  KeyLayoutKind layout = KeyLayoutKind::kRanges;
  std::int64_t keys = 150;  // three 64-key blocks, the last short
  std::int64_t steps = 8;
  // Worker w wants to stop from this step on (-1: never); the run then lasts until the stop.
  std::int64_t stop_from = -1;
  int stopping_worker = 1;
};

// A gradient sum that differs by worker, step and key.
float gradient(int w, std::int64_t step, std::int64_t key) {
  return static_cast<float>(
      std::sin(1.7 * w + 0.37 * static_cast<double>(step) + 0.91 * static_cast<double>(key)));
}

// Sparse: the sorted keys worker w's step touches (2 to 4, over both servers' keys).
std::vector<std::int64_t> touched(const Job& job, int w, std::int64_t step) {
  std::set<std::int64_t> keys{(7 * w + 11 * step) % job.keys, (13 * w + 3 * step) % job.keys,
                              (w * w + 29 * step + 64) % job.keys};
  if (step % 2 == 0) keys.insert((step * step) % job.keys);
  return {keys.begin(), keys.end()};
}

float initial(std::int64_t key) {
  return 0.01f * static_cast<float>(key % 17);
}

// What one worker saw.
struct WorkerLog {
  std::vector<std::vector<float>> params_after;  // dense: the values pulled after each step
  std::vector<std::int64_t> clock_gaps;          // per pull
  std::int64_t last_clock = 0;
  bool stop_reached = false;  // the servers' stop ended its run
  std::exception_ptr failure;
};

struct Outcome {
  std::vector<WorkerLog> workers;
  std::vector<float> params;  // the servers' final values, all keys
  bool stopped = false;
};

void work(const Job& job, Transport& transport, int w, WorkerLog& log) {
  WorkerClient client(transport, Roles{kWorkers, kServers}, w, job.keys, kDeadline, job.layout);
  std::vector<float> params(static_cast<std::size_t>(job.keys));
  if (w == 0) {
    for (std::int64_t k = 0; k < job.keys; ++k) params[static_cast<std::size_t>(k)] = initial(k);
    if (job.sparse)
      client.init_servers_zero(job.steps);
    else
      client.init_servers(params, job.steps);
  }
  if (!job.sparse) client.wait(client.pull(params));
  const std::int64_t last = job.stop_from >= 0 ? 10000 : job.steps;
  for (std::int64_t step = 1; step <= last && !client.stop_reached(); ++step) {
    client.set_step(step, w == job.stopping_worker && job.stop_from >= 0 && step >= job.stop_from);
    if (job.sparse) {
      const auto keys = touched(job, w, step);
      std::vector<float> values(keys.size()), grad;
      log.clock_gaps.push_back(client.wait(client.pull(keys, values)).clock_gap);
      if (client.stop_reached()) break;
      for (const auto k : keys) grad.push_back(gradient(w, step, k));
      client.wait(client.push(keys, grad, 1));
      continue;
    }
    std::vector<float> grad(params.size());
    for (std::size_t k = 0; k < grad.size(); ++k)
      grad[k] = gradient(w, step, static_cast<std::int64_t>(k));
    WorkerClient::Handle pushed = -1;
    if (client.pushes_early()) {  // as backprop does: the last server's keys first
      const auto early = client.keys_of(kServers - 1);
      client.push(early,
                  std::span<const float>(grad).subspan(static_cast<std::size_t>(early.first)), 1);
      EXPECT_TRUE(client.pushed(kServers - 1));
      pushed =
          client.push(KeyRange{0, early.first},
                      std::span<const float>(grad).first(static_cast<std::size_t>(early.first)), 1);
    } else {
      pushed = client.push(KeyRange{0, job.keys}, grad, 1);
    }
    client.wait(pushed);
    log.clock_gaps.push_back(client.wait(client.pull(params)).clock_gap);
    log.params_after.push_back(params);
  }
  log.last_clock = client.clock();
  log.stop_reached = client.stop_reached();
  client.done(log.stop_reached);
}

Outcome run(const Job& job) {
  const Roles roles{kWorkers, kServers};
  InProcessNetwork network(kWorkers + kServers);
  std::vector<InProcessTransport> ends;
  for (int rank = 0; rank < kWorkers + kServers; ++rank) ends.emplace_back(network, rank);
  ServerOptions options;
  options.consistency = Consistency::parse(job.consistency);
  options.optimizer.lr = 1.0f;  // sgd, constant rate
  options.deadline_seconds = kDeadline;
  options.key_layout = job.layout;
  std::vector<std::unique_ptr<Server>> servers;
  std::vector<std::exception_ptr> server_failures(kServers);
  Outcome outcome;
  outcome.workers.resize(kWorkers);
  std::vector<std::thread> threads;
  for (int s = 0; s < kServers; ++s) {
    servers.push_back(std::make_unique<Server>(ends[static_cast<std::size_t>(roles.server_rank(s))],
                                               roles, s, options));
    threads.emplace_back([&, s] {
      try {
        servers[static_cast<std::size_t>(s)]->run();
      } catch (...) {
        server_failures[static_cast<std::size_t>(s)] = std::current_exception();
      }
    });
  }
  for (int w = 0; w < kWorkers; ++w)
    threads.emplace_back([&, w] {
      auto& log = outcome.workers[static_cast<std::size_t>(w)];
      try {
        work(job, ends[static_cast<std::size_t>(w)], w, log);
      } catch (...) {
        log.failure = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  const auto rethrow = [](const std::exception_ptr& failure) {
    if (failure) std::rethrow_exception(failure);
  };
  for (const auto& f : server_failures) rethrow(f);
  for (const auto& log : outcome.workers) rethrow(log.failure);
  outcome.params.resize(static_cast<std::size_t>(job.keys));
  for (const auto& server : servers) {
    const float* value = server->params().data();
    server->keys().for_each_run([&](std::int64_t first, std::int64_t length) {
      std::copy_n(value, length, outcome.params.begin() + first);
      value += length;
    });
    outcome.stopped = outcome.stopped || server->stopped();
  }
  return outcome;
}

// What SGD with rate 1 leaves once every push is applied exactly once, serially: each push over
// its one row (ssp, async), or each step's pushes summed over their rows (bsp).
std::vector<double> expected(const Job& job, bool bsp) {
  std::vector<double> params(static_cast<std::size_t>(job.keys), 0.0);
  if (!job.sparse)
    for (std::int64_t k = 0; k < job.keys; ++k) params[static_cast<std::size_t>(k)] = initial(k);
  const double rows = bsp ? kWorkers : 1;
  for (std::int64_t step = 1; step <= job.steps; ++step)
    for (int w = 0; w < kWorkers; ++w) {
      std::vector<std::int64_t> keys = touched(job, w, step);
      if (!job.sparse) {
        keys.resize(static_cast<std::size_t>(job.keys));
        for (std::int64_t k = 0; k < job.keys; ++k) keys[static_cast<std::size_t>(k)] = k;
      }
      for (const auto k : keys) params[static_cast<std::size_t>(k)] -= gradient(w, step, k) / rows;
    }
  return params;
}

using Param = std::tuple<std::string, bool, KeyLayoutKind>;

class ClientServer : public ::testing::TestWithParam<Param> {
 protected:
  Job job() const {
    Job j;
    std::tie(j.consistency, j.sparse, j.layout) = GetParam();
    return j;
  }
};

TEST_P(ClientServer, AppliesEveryPushExactlyOnce) {
  const auto j = job();
  const auto outcome = run(j);
  const auto want = expected(j, j.consistency == "bsp");
  for (std::size_t k = 0; k < want.size(); ++k)
    EXPECT_NEAR(outcome.params[k], want[k], 1e-5 * (1 + std::abs(want[k]))) << "key " << k;
  for (const auto& log : outcome.workers) EXPECT_EQ(log.last_clock, j.steps);
  EXPECT_FALSE(outcome.stopped);
}

TEST_P(ClientServer, AnswersNoPullBeyondTheConsistencyBound) {
  const auto j = job();
  const auto parsed = Consistency::parse(j.consistency);
  const auto outcome = run(j);
  for (std::size_t w = 0; w < outcome.workers.size(); ++w)
    for (const auto gap : outcome.workers[w].clock_gaps) {
      if (parsed.kind == Consistency::Kind::kBsp) {
        EXPECT_LE(gap, 0) << "worker " << w;
      }
      if (parsed.kind == Consistency::Kind::kSsp) {
        EXPECT_LE(gap, parsed.bound) << "worker " << w;
      }
    }
}

// Dense bsp only: there every worker pulls every key after every step.
class DenseBsp : public ClientServer {};

TEST_P(DenseBsp, WorkersHoldTheSameParametersAfterEachStep) {
  const auto j = job();
  const auto outcome = run(j);
  const auto& first = outcome.workers.front().params_after;
  ASSERT_EQ(first.size(), static_cast<std::size_t>(j.steps));
  for (std::size_t w = 1; w < outcome.workers.size(); ++w)
    for (std::size_t step = 0; step < first.size(); ++step)
      EXPECT_EQ(outcome.workers[w].params_after[step], first[step])
          << "worker " << w << " after step " << step + 1;
}

TEST_P(ClientServer, EveryWorkerStopsAtTheSameClock) {
  auto j = job();
  for (const int stopping : {0, 2}) {
    j.stop_from = 4;
    j.stopping_worker = stopping;
    const auto outcome = run(j);
    EXPECT_TRUE(outcome.stopped);
    const auto clock = outcome.workers.front().last_clock;
    EXPECT_GE(clock, j.stop_from) << "worker " << stopping << " stops";
    for (const auto& log : outcome.workers) {
      EXPECT_TRUE(log.stop_reached) << "worker " << stopping << " stops";
      EXPECT_EQ(log.last_clock, clock) << "worker " << stopping << " stops";
    }
  }
}

// "bsp_dense_ranges": a parameter's name.
std::string name_of(const ::testing::TestParamInfo<Param>& info) {
  auto name = std::get<0>(info.param);
  std::replace(name.begin(), name.end(), ':', '_');
  return name + (std::get<1>(info.param) ? "_sparse_" : "_dense_") +
         to_string(std::get<2>(info.param));
}

INSTANTIATE_TEST_SUITE_P(
    EveryMode, ClientServer,
    ::testing::Combine(::testing::Values("bsp", "ssp:2", "async"), ::testing::Bool(),
                       ::testing::Values(KeyLayoutKind::kRanges, KeyLayoutKind::kBlocks)),
    name_of);
INSTANTIATE_TEST_SUITE_P(EveryLayout, DenseBsp,
                         ::testing::Combine(::testing::Values("bsp"), ::testing::Values(false),
                                            ::testing::Values(KeyLayoutKind::kRanges,
                                                              KeyLayoutKind::kBlocks)),
                         name_of);

}  // namespace
}  // namespace psml::ps
