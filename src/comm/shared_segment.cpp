#include "psml/comm/shared_segment.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "psml/comm/agreement.hpp"
#include "psml/core/error.hpp"
#include "psml/core/memory.hpp"

namespace psml::comm {

SharedSegment::SharedSegment(const Communicator& comm, std::size_t bytes, const char* without)
    : bytes_(bytes) {
  static std::atomic<int> segments{0};
  std::array<char, 64> name{};
  int fd = -1;
  run_agreed(comm, [&] {
    if (comm.rank() != 0) return;
    std::snprintf(name.data(), name.size(), "/psml-%ld-%d", static_cast<long>(getpid()),
                  segments.fetch_add(1));
    fd = shm_open(name.data(), O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0) throw error("shared memory ", name.data(), ": ", std::strerror(errno));
    // Reserve every page now: a tmpfs (/dev/shm) too small for it fails here.
    if (const int rc = posix_fallocate(fd, 0, static_cast<off_t>(bytes)); rc != 0) {
      close(fd);
      shm_unlink(name.data());
      throw error("shared memory: cannot reserve ", describe_bytes(static_cast<double>(bytes)),
                  " in /dev/shm (", std::strerror(rc), "); ", without, " does without");
    }
  });
  comm.broadcast(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(name.data()), name.size()),
                 0);
  name.back() = '\0';
  try {
    run_agreed(comm, [&] {
      if (comm.rank() != 0) {
        fd = shm_open(name.data(), O_RDWR, 0600);
        if (fd < 0) throw error("shared memory ", name.data(), ": ", std::strerror(errno));
      }
      void* mapped = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      const int mmap_errno = errno;
      close(fd);
      if (mapped == MAP_FAILED)
        throw error("shared memory: cannot map ", describe_bytes(static_cast<double>(bytes)), ": ",
                    std::strerror(mmap_errno));
      base_ = static_cast<std::byte*>(mapped);
    });
  } catch (...) {
    if (comm.rank() == 0) shm_unlink(name.data());
    if (base_ != nullptr) munmap(base_, bytes_);
    throw;
  }
  // Every rank has it mapped: the name can go; the memory lives until the last munmap.
  if (comm.rank() == 0) shm_unlink(name.data());
}

SharedSegment::~SharedSegment() {
  if (base_ != nullptr) munmap(base_, bytes_);
}

}  // namespace psml::comm
