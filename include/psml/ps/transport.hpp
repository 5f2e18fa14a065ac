// How parameter servers and their workers meet: the messages each receives and sends. A run uses
// MPI (ChannelTransport); unit tests drive the same Server and WorkerClient from a script
// (tests/unit/simulated_workers.hpp) or over queues between threads (InProcessTransport), so that
// the consistency arithmetic (every push applied once, staleness, ssp's bound) is checked without
// MPI.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <span>
#include <vector>

#include "psml/ps/messages.hpp"

namespace psml::ps {

class Transport {
 public:
  virtual ~Transport() = default;

  static constexpr int kAnySource = -1;

  // Waits up to `timeout_seconds` for the next message from `source` (kAnySource: from anyone)
  // and returns its sender's world rank, or -1 if none came in time; 0 is no deadline (the
  // simulation build): it waits as long as it takes.
  virtual int wait(double timeout_seconds, int source) = 0;
  // Takes the message of `source` that wait() announced.
  virtual void receive(int source, Message& message) = 0;
  // Receives the next payload frame of `source` into `out` (the header said how large).
  virtual void receive_payload(int source, std::span<std::byte> out) = 0;
  // Sends `message` to `dest`, followed by `values` as its payload (if not empty). The transport
  // owns the values until they have left: the server may change its own right after.
  virtual void send(int dest, const Message& message, std::vector<float> values = {}) = 0;
  // The same with its payload frames sent from where they lie (a worker's keys, then its
  // values): they must not change until flush() has returned. An empty frame is not sent.
  virtual void send_view(int dest, const Message& message,
                         std::initializer_list<std::span<const std::byte>> frames) = 0;
  // Releases what completed sends held; does not block. True while a send is still in flight
  // (MPI moves large messages only inside its calls: a worker calls this during backprop).
  virtual bool progress() = 0;
  // Waits until every send has left.
  virtual void flush() = 0;
};

}  // namespace psml::ps
