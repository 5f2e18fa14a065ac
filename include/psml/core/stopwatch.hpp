// Timing for the figures runs report, in seconds: the steady clock, or in the simulation build
// (core/simulation.hpp) the simulated clock, so that every figure a simulated run reports is in
// simulated time.
#pragma once

#include <chrono>

#include "psml/core/simulation.hpp"

namespace psml {

// The simulated clock as a std::chrono clock.
struct SimulatedClock {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<SimulatedClock>;
  static constexpr bool is_steady = true;
  static time_point now() {
    return time_point(std::chrono::duration_cast<duration>(
        std::chrono::duration<double>(simulation::clock_seconds())));
  }
};

using Clock = std::conditional_t<simulation::kSimulated, SimulatedClock, std::chrono::steady_clock>;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Seconds on the clock, for differences between events.
inline double now_seconds() {
  return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}

}  // namespace psml
