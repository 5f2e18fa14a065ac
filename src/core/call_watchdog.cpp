#include "psml/core/call_watchdog.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

namespace psml {
namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// The watchdogs alive in this process, and the thread that watches them.
class CallMonitor {
 public:
  static CallMonitor& instance() {
    static CallMonitor* monitor = new CallMonitor;  // never destroyed: its thread outlives main
    return *monitor;
  }
  void add(CallWatchdog* w) {
    const std::lock_guard lock(mutex_);
    watched_.push_back(w);
  }
  void remove(CallWatchdog* w) {
    const std::lock_guard lock(mutex_);
    watched_.erase(std::remove(watched_.begin(), watched_.end(), w), watched_.end());
  }

 private:
  CallMonitor() {
    std::thread([this] { watch(); }).detach();
  }
  void watch() {
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      const std::lock_guard lock(mutex_);
      const auto now = now_ns();
      for (const auto* w : watched_) {
        const auto deadline = w->deadline_ns_.load(std::memory_order_acquire);
        if (deadline == 0 || now < deadline) continue;
        [[maybe_unused]] const auto n = ::write(STDERR_FILENO, w->line_.data(), w->line_.size());
        ::_exit(1);
      }
    }
  }
  std::mutex mutex_;
  std::vector<CallWatchdog*> watched_;
};

CallWatchdog::CallWatchdog(const std::string& message) : line_("psml: error: " + message + "\n") {
  CallMonitor::instance().add(this);
}

CallWatchdog::~CallWatchdog() {
  CallMonitor::instance().remove(this);
}

void CallWatchdog::arm(double seconds) {
  deadline_ns_.store(now_ns() + static_cast<std::int64_t>(seconds * 1e9),
                     std::memory_order_release);
}

}  // namespace psml
