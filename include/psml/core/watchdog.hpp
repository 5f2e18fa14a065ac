// A last-resort deadline for a call that can block inside a library psml cannot interrupt, such
// as parallel HDF5's collective writes and close after one rank's write failed (disk full): if
// the Watchdog still exists `seconds` after it was made, the rank prints its message and exits
// at once with code 1, and mpirun ends the job. A POSIX timer and a real-time signal (not
// SIGALRM, which the stop handlers' grace timer uses); the handler only writes and _exits.
#pragma once

#include <ctime>
#include <string>

namespace psml {

// The timer carries the address of its watchdog's line, so the handler prints the message of
// the watchdog that expired. (For a call made many times a second: call_watchdog.hpp.)
class Watchdog {
 public:
  Watchdog(double seconds, const std::string& message);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  std::string line_;
  timer_t timer_{};
  bool created_ = false;
};

}  // namespace psml
