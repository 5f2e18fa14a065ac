// Workers of a parameter server, real WorkerClients driven by a script, so that a unit test runs
// the real ps::Server without MPI through interleavings it chooses. The clients and the server
// share one thread: each worker's messages wait in the server's in-process inbox, and the server,
// through this Transport, receives whichever worker's next message a seeded stream draws
// (weighted by each worker's speed); a reply moves its worker on at once, as PsExchange does:
// dense, it pushes its step's gradient, then pulls; sparse, it pushes the gradients of the keys it
// pulled, then pulls the next step's. One test explores many interleavings, the same ones every
// run, and everything is recorded in the order the server saw it. (ps_client_server_test.cpp runs
// the clients as threads instead, which choose the interleaving.)
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <vector>

#include "psml/ps/in_process_transport.hpp"
#include "psml/ps/worker_client.hpp"

namespace psml::ps::testing {

class SimulatedWorkers final : public Transport {
 public:
  struct Options {
    int workers = 2;
    std::int64_t keys = 4;       // the key space, all held by one server (rank `workers`)
    std::int64_t steps = 10;     // steps each worker makes
    std::vector<float> initial;  // the initial parameters (dense runs; sparse ones start at 0)
    bool sparse = false;
    std::uint64_t seed = 1;
    std::vector<double> speed;  // relative chance that worker w's message comes next (default 1)
    std::function<std::int64_t(int worker, std::int64_t step)> rows = [](int, std::int64_t) {
      return std::int64_t{1};
    };
    // The gradient sum worker w pushes for key k at global step s.
    std::function<float(int worker, std::int64_t step, std::int64_t key)> gradient;
    // Sparse: the sorted keys worker w's step s touches.
    std::function<std::vector<std::int64_t>(int worker, std::int64_t step)> touched;
  };

  // A push, as the server received it.
  struct ReceivedPush {
    int worker = 0;
    std::int64_t step = 0;
    std::int64_t version = 0;        // the server version the worker computed on
    std::int64_t pushes_before = 0;  // pushes the server had received before this one
    std::int64_t rows = 0;
    std::vector<std::int64_t> keys;  // every key when dense
    std::vector<float> values;
  };
  // A pull reply, with what the server had received when it sent it.
  struct SentReply {
    int worker = 0;
    std::int64_t pull_clock = 0;       // pushes the worker had made when it pulled
    std::vector<std::int64_t> clocks;  // pushes received from each worker by then
    std::int64_t pushes_received = 0;  // all workers' pushes received by then
    PullReply reply;
    std::vector<float> values;
  };

  explicit SimulatedWorkers(Options options);

  int wait(double timeout_seconds, int source) override;
  void receive(int source, Message& message) override;
  void receive_payload(int source, std::span<std::byte> out) override;
  void send(int dest, const Message& message, std::vector<float> values) override;
  void send_view(int dest, const Message& message,
                 std::initializer_list<std::span<const std::byte>> frames) override;
  bool progress() override { return false; }
  void flush() override {}

  const std::vector<ReceivedPush>& pushes() const { return pushes_; }
  const std::vector<SentReply>& replies() const { return replies_; }

 private:
  struct Worker {
    std::unique_ptr<InProcessTransport> transport;
    std::unique_ptr<WorkerClient> client;
    std::vector<std::int64_t> keys;  // of the pull in flight
    std::vector<float> values;       // its reply, then the step's gradient
    WorkerClient::Handle pull = -1;
    std::int64_t pulled_at = 0;  // the clock of that pull
  };
  // Worker w pulls its keys of `step`.
  void pull(int w, std::int64_t step);
  // The server answered worker w's pull: it takes the values and makes its next step.
  void advance(int w);
  std::vector<std::int64_t> keys_of(int w, std::int64_t step) const;

  Options options_;
  std::mt19937_64 random_;
  InProcessNetwork network_;
  InProcessTransport server_end_;
  std::vector<Worker> workers_;
  std::vector<std::int64_t> received_clocks_;
  std::int64_t pushes_received_ = 0;
  std::ptrdiff_t receiving_ = -1;  // the push whose frames the server reads next, in pushes_
  bool receiving_keys_ = false;    // its next frame is its keys
  std::vector<ReceivedPush> pushes_;
  std::vector<SentReply> replies_;
};

}  // namespace psml::ps::testing
