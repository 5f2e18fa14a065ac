// The Transport of servers and workers over MPI: framed messages on the world communicator
// (comm/framing.hpp), sent without blocking from buffers the transport keeps until they have left.
#pragma once

#include <list>

#include "psml/comm/framing.hpp"
#include "psml/ps/transport.hpp"

namespace psml::ps {

class ChannelTransport final : public Transport {
 public:
  explicit ChannelTransport(const comm::Communicator& world) : channel_(world) {}
  ~ChannelTransport() override;

  int wait(double timeout_seconds, int source) override;
  void receive(int source, Message& message) override;
  void receive_payload(int source, std::span<std::byte> out) override;
  void send(int dest, const Message& message, std::vector<float> values) override;
  void send_view(int dest, const Message& message,
                 std::initializer_list<std::span<const std::byte>> frames) override;
  bool progress() override;
  void flush() override;

 private:
  // A send in flight. Its values are sent from where they lie, so they must neither move nor die
  // before the send completes: sends_ is a std::list (its elements never move), and `handle` is
  // declared after `values` so that it is destroyed, and waits, first.
  struct Outgoing {
    std::vector<float> values;
    comm::SendHandle handle;
  };
  comm::Channel channel_;
  std::list<Outgoing> sends_;
};

}  // namespace psml::ps
