// A deadline for a call made many times a second that psml cannot interrupt (the blocking
// MPI_Allreduce of every training step): arming and disarming cost a clock read and an atomic
// store each. A POSIX timer, as Watchdog uses, costs two system calls per call (about 20 µs
// together on a virtual machine: a fifth of a 1 MB allreduce). One monitor thread per process,
// started with the first CallWatchdog, wakes every 20 ms; if a call has stayed armed past its
// deadline, it prints the watchdog's line and ends the process with code 1 (mpirun then ends the
// job). The thread never calls MPI.
//
//   CallWatchdog watchdog("an MPI_Allreduce did not complete within --deadline");
//   watchdog.arm(300);
//   MPI_Allreduce(...);
//   watchdog.disarm();
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace psml {

class CallWatchdog {
 public:
  explicit CallWatchdog(const std::string& message);
  ~CallWatchdog();
  CallWatchdog(const CallWatchdog&) = delete;
  CallWatchdog& operator=(const CallWatchdog&) = delete;

  void arm(double seconds);
  void disarm() { deadline_ns_.store(0, std::memory_order_release); }

 private:
  friend class CallMonitor;
  std::string line_;                          // "psml: error: <message>\n"
  std::atomic<std::int64_t> deadline_ns_{0};  // steady clock; 0: disarmed
};

}  // namespace psml
