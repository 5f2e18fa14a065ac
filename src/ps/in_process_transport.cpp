#include "psml/ps/in_process_transport.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "psml/core/error.hpp"

namespace psml::ps {

InProcessNetwork::InProcessNetwork(int ranks) : inboxes_(static_cast<std::size_t>(ranks)) {}

InProcessTransport::InProcessTransport(InProcessNetwork& network, int rank)
    : network_(network), rank_(rank) {
  if (rank < 0 || static_cast<std::size_t>(rank) >= network.inboxes_.size())
    throw error("in-process transport: rank ", rank, " is not in [0, ", network.inboxes_.size(),
                ")");
}

int InProcessTransport::wait(double timeout_seconds, int source) {
  auto& inbox = network_.inboxes_[static_cast<std::size_t>(rank_)];
  const auto from_source = [&] {
    return std::find_if(inbox.envelopes.begin(), inbox.envelopes.end(),
                        [&](const auto& e) { return source == kAnySource || e.source == source; });
  };
  std::unique_lock lock(network_.mutex_);
  const auto arrived = [&] { return from_source() != inbox.envelopes.end(); };
  if (timeout_seconds > 0) {
    if (!inbox.arrived.wait_for(lock, std::chrono::duration<double>(timeout_seconds), arrived))
      return -1;
  } else {
    inbox.arrived.wait(lock, arrived);
  }
  return from_source()->source;
}

void InProcessTransport::receive(int source, Message& message) {
  auto& inbox = network_.inboxes_[static_cast<std::size_t>(rank_)];
  const std::lock_guard lock(network_.mutex_);
  const auto it = std::find_if(inbox.envelopes.begin(), inbox.envelopes.end(),
                               [&](const auto& e) { return e.source == source; });
  if (it == inbox.envelopes.end())
    throw error("in-process transport: rank ", rank_, " has no message from rank ", source);
  message = std::move(it->message);
  frames_ = std::move(it->frames);
  frames_from_ = source;
  inbox.envelopes.erase(it);
}

void InProcessTransport::receive_payload(int source, std::span<std::byte> out) {
  if (out.empty()) return;  // an empty payload travels as no frame at all
  if (source != frames_from_ || frames_.empty())
    throw error("in-process transport: rank ", rank_, " read a frame rank ", source,
                " did not send");
  const auto frame = std::move(frames_.front());
  frames_.pop_front();
  if (frame.size() != out.size())
    throw error("in-process transport: rank ", rank_, " read ", out.size(), " bytes of a ",
                frame.size(), "-byte frame from rank ", source);
  std::memcpy(out.data(), frame.data(), frame.size());
}

void InProcessTransport::send(int dest, const Message& message, std::vector<float> values) {
  send_view(dest, message, {std::as_bytes(std::span<const float>(values))});
}

void InProcessTransport::send_view(int dest, const Message& message,
                                   std::initializer_list<std::span<const std::byte>> frames) {
  if (dest < 0 || static_cast<std::size_t>(dest) >= network_.inboxes_.size())
    throw error("in-process transport: rank ", rank_, " sent to rank ", dest,
                ", which is not in [0, ", network_.inboxes_.size(), ")");
  InProcessNetwork::Envelope envelope{rank_, message, {}};
  for (const auto frame : frames)
    if (!frame.empty()) envelope.frames.emplace_back(frame.begin(), frame.end());
  auto& inbox = network_.inboxes_[static_cast<std::size_t>(dest)];
  {
    const std::lock_guard lock(network_.mutex_);
    inbox.envelopes.push_back(std::move(envelope));
  }
  inbox.arrived.notify_all();
}

}  // namespace psml::ps
