// Memory that every rank of a communicator maps, when they all run on one node: one POSIX
// shared-memory object, created by rank 0, opened and mapped by the others, and unlinked as soon
// as every rank has mapped it, so nothing is left behind in /dev/shm however the job ends.
// Freeing it (munmap) is local: a rank that leaves on an error never waits for the others.
#pragma once

#include <cstddef>

#include "psml/comm/communicator.hpp"

namespace psml::comm {

class SharedSegment {
 public:
  // `bytes` zeroed bytes, reserved in full (a tmpfs that is too small fails here, with a message
  // naming the size and `without`, the option that does without, not later with SIGBUS).
  // Collective; on failure throws CollectiveError on every rank.
  SharedSegment(const Communicator& comm, std::size_t bytes, const char* without);
  SharedSegment(const SharedSegment&) = delete;
  SharedSegment& operator=(const SharedSegment&) = delete;
  ~SharedSegment();

  // The same bytes on every rank, at an address of this process (page-aligned).
  std::byte* data() const { return base_; }
  std::size_t size() const { return bytes_; }

 private:
  std::byte* base_ = nullptr;
  std::size_t bytes_ = 0;
};

}  // namespace psml::comm
