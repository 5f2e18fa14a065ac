#include "psml/core/watchdog.hpp"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>

namespace psml {
namespace {

// The timer that fired says which watchdog it belongs to; its line was prepared when it was made
// (the handler may not format or allocate).
void on_expired(int, siginfo_t* info, void*) {
  const auto* line = static_cast<const std::string*>(info->si_value.sival_ptr);
  [[maybe_unused]] const auto n = ::write(STDERR_FILENO, line->data(), line->size());
  ::_exit(1);
}

}  // namespace

Watchdog::Watchdog(double seconds, const std::string& message)
    : line_("psml: error: " + message + "\n") {
  struct sigaction action;
  std::memset(&action, 0, sizeof action);
  sigemptyset(&action.sa_mask);
  action.sa_sigaction = on_expired;
  action.sa_flags = SA_SIGINFO;
  const int signal = SIGRTMIN + 1;
  if (sigaction(signal, &action, nullptr) != 0) return;
  struct sigevent event;
  std::memset(&event, 0, sizeof event);
  event.sigev_notify = SIGEV_SIGNAL;
  event.sigev_signo = signal;
  event.sigev_value.sival_ptr = &line_;
  if (timer_create(CLOCK_MONOTONIC, &event, &timer_) != 0) return;
  struct itimerspec when;
  std::memset(&when, 0, sizeof when);
  const double whole = seconds < 1e-3 ? 1e-3 : seconds;
  when.it_value.tv_sec = static_cast<time_t>(whole);
  when.it_value.tv_nsec =
      static_cast<long>((whole - static_cast<double>(when.it_value.tv_sec)) * 1e9);
  created_ = true;
  if (timer_settime(timer_, 0, &when, nullptr) != 0) {
    timer_delete(timer_);
    created_ = false;
  }
}

Watchdog::~Watchdog() {
  if (created_) timer_delete(timer_);
}

}  // namespace psml
