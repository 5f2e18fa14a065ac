#include "psml/ps/channel_transport.hpp"

namespace psml::ps {

ChannelTransport::~ChannelTransport() = default;  // each handle waits for its own send

int ChannelTransport::wait(double timeout_seconds, int source) {
  return channel_.wait_header(timeout_seconds, source == kAnySource ? MPI_ANY_SOURCE : source);
}

void ChannelTransport::receive(int source, Message& message) {
  channel_.receive_header(message, source);
}

void ChannelTransport::receive_payload(int source, std::span<std::byte> out) {
  channel_.receive_payload(source, out);
}

void ChannelTransport::send(int dest, const Message& message, std::vector<float> values) {
  auto& out = sends_.emplace_back();
  out.values = std::move(values);
  // An empty payload sends no frame, and the receiver expects none.
  out.handle = channel_.isend(dest, message, {comm::bytes_of(std::span<const float>(out.values))});
}

void ChannelTransport::send_view(int dest, const Message& message,
                                 std::initializer_list<std::span<const std::byte>> frames) {
  sends_.emplace_back().handle = channel_.isend(dest, message, frames);
}

bool ChannelTransport::progress() {
  sends_.remove_if([](Outgoing& out) { return out.handle.test(); });
  return !sends_.empty();
}

void ChannelTransport::flush() {
  for (auto& out : sends_) out.handle.wait();
  sends_.clear();
}

}  // namespace psml::ps
