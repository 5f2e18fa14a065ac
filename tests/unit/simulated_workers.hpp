// Workers of a parameter server, simulated as its Transport, so that a unit test drives the real
// ps::Server without MPI through interleavings it chooses. Each worker sends what PsExchange has
// WorkerClient send: dense, it pushes its step's gradient, then pulls, and waits for the reply
// before its next step; sparse, it pulls its step's keys, waits, then pushes their gradients.
// Which worker's next message the server receives is drawn from a seeded stream (weighted by each
// worker's speed), so one test explores many interleavings, the same ones every run, and
// everything is recorded in the order the server saw it. The real WorkerClient meets the real
// Server in ps_client_server_test.cpp, where threads choose the interleaving.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <random>
#include <vector>

#include "psml/ps/transport.hpp"

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
  struct Outgoing {
    Message message;
    std::vector<std::vector<std::byte>> frames;
  };
  struct Worker {
    std::int64_t clock = 0;            // pushes made
    std::int64_t version = 0;          // server version of the last reply
    std::vector<std::int64_t> pulled;  // sparse: the keys of the pending pull
    std::deque<Outgoing> outbox;
  };
  void queue_push(int w, const std::vector<std::int64_t>& keys);
  void queue_pull(int w, const std::vector<std::int64_t>& keys);
  std::vector<std::int64_t> keys_of(int w, std::int64_t step) const;

  Options options_;
  std::mt19937_64 random_;
  std::vector<Worker> workers_;
  std::vector<std::int64_t> received_clocks_;
  std::int64_t pushes_received_ = 0;
  Outgoing current_;
  std::deque<std::vector<std::byte>> frames_;  // of the message being received
  std::vector<ReceivedPush> pushes_;
  std::vector<SentReply> replies_;
};

}  // namespace psml::ps::testing
