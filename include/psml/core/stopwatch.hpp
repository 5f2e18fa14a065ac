// Wall-clock timing for the figures runs report (steady clock, seconds).
#pragma once

#include <chrono>

namespace psml {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Seconds on the steady clock, for differences between events.
inline double now_seconds() {
  return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}

}  // namespace psml
