#include "psml/comm/idle_wait.hpp"

#include <sched.h>

#include <algorithm>
#include <thread>

namespace psml::comm {
namespace {

constexpr long kSpinPolls = 200;                          // about 10-50 µs of polling
constexpr auto kYieldFor = std::chrono::milliseconds(2);  // then yield, for this long
constexpr auto kLongestSleep = std::chrono::microseconds(100);

}  // namespace

void IdleWait::pause() {
  ++polls_;
  if (polls_ < kSpinPolls) return;
  if (!may_sleep_ || Clock::now() - since_ < kYieldFor) {
    sched_yield();
    return;
  }
  sleep_ = std::min(kLongestSleep, sleep_ + std::chrono::microseconds(5));
  std::this_thread::sleep_for(sleep_);
}

}  // namespace psml::comm
