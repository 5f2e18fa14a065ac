// How a parameter server meets its workers: the messages it receives and the replies it sends.
// A run uses MPI (ChannelTransport); unit tests drive the same Server from a script, so that the
// consistency arithmetic (every push applied once, staleness, ssp's bound) is checked exactly,
// without MPI and without timing.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "psml/ps/messages.hpp"

namespace psml::ps {

class Transport {
 public:
  virtual ~Transport() = default;

  // Waits up to `timeout_seconds` for the next message and returns its sender's world rank, or
  // -1 if none came in time; 0 is no deadline (the simulation build): it waits as long as it takes.
  virtual int wait(double timeout_seconds) = 0;
  // Takes the message of `source` that wait() announced.
  virtual void receive(int source, Message& message) = 0;
  // Receives the next payload frame of `source` into `out` (the header said how large).
  virtual void receive_payload(int source, std::span<std::byte> out) = 0;
  // Sends `message` to `dest`, followed by `values` as its payload (if not empty). The transport
  // owns the values until they have left: the server may change its own right after.
  virtual void send(int dest, const Message& message, std::vector<float> values = {}) = 0;
  // The same, sent from where `values` lie: they must not change until flush() has returned.
  virtual void send_view(int dest, const Message& message, std::span<const float> values) = 0;
  // Releases what completed sends held; does not block.
  virtual void progress() = 0;
  // Waits until every send has left.
  virtual void flush() = 0;
};

}  // namespace psml::ps
