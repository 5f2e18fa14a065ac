// Parameter servers and workers as threads of one process: a Transport that hands messages over
// queues, one endpoint per rank, so that a unit test runs the real WorkerClient against the real
// Server without MPI. Messages between a pair of ranks arrive in the order they were sent (MPI's
// non-overtaking rule); which sender a waiting rank hears from first is up to the threads.
//
//   InProcessNetwork network(roles.workers + roles.servers);
//   InProcessTransport server_end(network, roles.server_rank(0)), worker_end(network, 0);
//   std::thread serving([&] { Server(server_end, roles, 0, options).run(); });
//   WorkerClient client(worker_end, roles, 0, num_keys);
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <vector>

#include "psml/ps/transport.hpp"

namespace psml::ps {

// The queues between the ranks: one inbox per rank.
class InProcessNetwork {
 public:
  explicit InProcessNetwork(int ranks);

 private:
  friend class InProcessTransport;
  // A message and its payload frames, copied when sent: the sender may change its own at once.
  struct Envelope {
    int source = 0;
    Message message;
    std::deque<std::vector<std::byte>> frames;
  };
  struct Inbox {
    std::deque<Envelope> envelopes;
    std::condition_variable arrived;
  };
  std::mutex mutex_;
  std::vector<Inbox> inboxes_;
};

class InProcessTransport final : public Transport {
 public:
  InProcessTransport(InProcessNetwork& network, int rank);

  int wait(double timeout_seconds, int source) override;
  void receive(int source, Message& message) override;
  void receive_payload(int source, std::span<std::byte> out) override;
  void send(int dest, const Message& message, std::vector<float> values) override;
  void send_view(int dest, const Message& message,
                 std::initializer_list<std::span<const std::byte>> frames) override;
  // Sends are copied into the receiver's inbox at once: none is ever in flight.
  bool progress() override { return false; }
  void flush() override {}

 private:
  InProcessNetwork& network_;
  int rank_;
  // The frames of the message being read, and its sender.
  std::deque<std::vector<std::byte>> frames_;
  int frames_from_ = -1;
};

}  // namespace psml::ps
