// How a rank waits for a message or a collective without taking a core from the ranks that
// compute. It polls at full speed at first (a reply already on its way arrives within
// microseconds), then gives the core away between polls (sched_yield), and, waiting for a
// message, once it has waited longer than a step's communication usually takes, sleeps between
// polls, a little longer each time, up to 100 µs. On 2 cores shared by a server and two workers,
// a server that spins while the workers compute takes a third of the machine from them. A
// collective in flight never sleeps: Open MPI moves it along only while its ranks poll.
//
//   IdleWait idle;
//   while (!poll()) idle.pause();
#pragma once

#include <chrono>

namespace psml::comm {

class IdleWait {
 public:
  enum class Sleep { kAllowed, kNever };
  explicit IdleWait(Sleep sleep = Sleep::kAllowed) : may_sleep_(sleep == Sleep::kAllowed) {}

  // After an unsuccessful poll.
  void pause();
  // Polls so far (for work done every so many polls: roll calls, the clock).
  long polls() const { return polls_; }

 private:
  using Clock = std::chrono::steady_clock;
  bool may_sleep_;
  long polls_ = 0;
  Clock::time_point since_ = Clock::now();
  std::chrono::microseconds sleep_{0};
};

}  // namespace psml::comm
