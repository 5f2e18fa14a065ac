// Typed messages between psml's own ranks, framed over MPI.
//
// A message is a struct serialized with Boost.Serialization (binary archive) in one MPI message,
// followed by its payload arrays, each sent as raw MPI frames straight from and into the caller's
// memory. Why split: a 1 MB payload copied into an archive and out again costs two extra memcpys,
// more than the transfer itself on shared memory; sent as its own frame it costs one extra small
// message (measured by `psml bench ps`). ps-lite splits meta and data the same way.
// MPI's non-overtaking rule keeps a message's frames in order behind its header.
//
// Boost.Serialization is for messages between psml's own ranks only, never for files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "psml/comm/communicator.hpp"
#include "psml/comm/message_codec.hpp"

namespace psml::comm {

inline constexpr int kHeaderTag = 7001;
inline constexpr int kPayloadTag = 7002;

// Non-blocking sends of one message. The payload memory must stay valid until the handle
// completes; the destructor waits, so a handle never outlives its buffers by accident.
//
// MPI reads the header from the address MPI_Isend was given until the send completes, so the
// header lives in a heap block the handle owns, not in the handle: moving the handle (a
// std::vector of handles that grows) moves the pointer, never the bytes. A std::string member
// would not do: a header shorter than its small-string buffer (15 bytes in libstdc++) is stored
// inside the string object and moves with it.
class SendHandle {
 public:
  SendHandle() = default;
  SendHandle(SendHandle&& other) noexcept;
  // Waits for this handle's own sends first (psml::Error if MPI reports a failure), then takes
  // over `other`'s.
  SendHandle& operator=(SendHandle&& other);
  SendHandle(const SendHandle&) = delete;
  SendHandle& operator=(const SendHandle&) = delete;
  ~SendHandle();

  void wait();
  bool test();  // true once every frame has been sent
  // The serialized header MPI sends from (empty once moved from); its address survives a move.
  std::span<const char> header_bytes() const;

 private:
  friend class Channel;
  std::unique_ptr<const std::string> header_;  // owned until sent, at a fixed address
  std::vector<MPI_Request> requests_;          // MPI keeps no pointer to these: free to move
};

class Channel {
 public:
  explicit Channel(const Communicator& comm) : comm_(comm) {}

  const Communicator& comm() const { return comm_; }

  // Sends `header` (any Boost-serializable type) and then each payload span to `dest`.
  template <class Header>
  SendHandle isend(int dest, const Header& header,
                   std::initializer_list<std::span<const std::byte>> payloads) const {
    return isend_serialized(dest, encode(header), payloads);
  }

  // Blocks until a header arrives from `source` (MPI_ANY_SOURCE: from anyone) and returns its
  // sender; the header is decoded into `header` (psml::Error if it is malformed).
  template <class Header>
  int receive_header(Header& header, int source = MPI_ANY_SOURCE) const {
    std::string bytes;
    const int from = receive_header_bytes(bytes, source);
    decode(std::span<const char>(bytes), header);
    return from;
  }

  // Waits up to `timeout_seconds` for a header from `source` (MPI_ANY_SOURCE: anyone) and returns
  // its sender, or -1 if none came: a peer that is alive but stuck never sends, and nothing but
  // such a deadline ends the wait. Yields the core between polls (oversubscribed machines). A
  // timeout of 0 is none: the wait blocks in MPI_Recv, which takes the header (up to
  // kMaxWaitedHeader bytes) for the next receive_header. (SMPI's MPI_Probe polls, each poll
  // costing simulated time; its MPI_Recv waits for the message.)
  int wait_header(double timeout_seconds, int source = MPI_ANY_SOURCE) const;

  // Receives the next payload frame(s) from `source` into `out` (whose size the header told).
  void receive_payload(int source, std::span<std::byte> out) const;

 private:
  SendHandle isend_serialized(int dest, std::string header,
                              std::initializer_list<std::span<const std::byte>> payloads) const;
  int receive_header_bytes(std::string& bytes, int source) const;
  bool holds_header(int source) const {
    return held_from_ >= 0 && (source == MPI_ANY_SOURCE || source == held_from_);
  }

  static constexpr int kMaxWaitedHeader = 1 << 16;
  const Communicator& comm_;
  // The header a wait without a deadline received, and its sender (-1: none); the buffer it
  // arrives in, kept (kMaxWaitedHeader bytes).
  mutable std::string held_;
  mutable int held_from_ = -1;
  mutable std::string arrival_;
};

template <class T>
std::span<const std::byte> bytes_of(std::span<const T> values) {
  return std::as_bytes(values);
}
template <class T>
std::span<std::byte> writable_bytes_of(std::span<T> values) {
  return std::as_writable_bytes(values);
}

}  // namespace psml::comm
