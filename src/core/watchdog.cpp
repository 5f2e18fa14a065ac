#include "psml/core/watchdog.hpp"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>

namespace psml {
namespace {

// The message of the one armed watchdog, prepared before arming (the handler may not format).
char g_message[512];
std::size_t g_length = 0;

void on_expired(int) {
  [[maybe_unused]] const auto n = ::write(STDERR_FILENO, g_message, g_length);
  ::_exit(1);
}

}  // namespace

Watchdog::Watchdog(double seconds, const std::string& message) {
  const std::string line = "psml: error: " + message + "\n";
  g_length = std::min(line.size(), sizeof g_message);
  std::memcpy(g_message, line.data(), g_length);
  struct sigaction action;
  std::memset(&action, 0, sizeof action);
  sigemptyset(&action.sa_mask);
  action.sa_handler = on_expired;
  const int signal = SIGRTMIN + 1;
  if (sigaction(signal, &action, nullptr) != 0) return;
  struct sigevent event;
  std::memset(&event, 0, sizeof event);
  event.sigev_notify = SIGEV_SIGNAL;
  event.sigev_signo = signal;
  if (timer_create(CLOCK_MONOTONIC, &event, &timer_) != 0) return;
  struct itimerspec when;
  std::memset(&when, 0, sizeof when);
  const double whole = seconds < 1e-3 ? 1e-3 : seconds;
  when.it_value.tv_sec = static_cast<time_t>(whole);
  when.it_value.tv_nsec =
      static_cast<long>((whole - static_cast<double>(when.it_value.tv_sec)) * 1e9);
  armed_ = timer_settime(timer_, 0, &when, nullptr) == 0;
  if (!armed_) timer_delete(timer_);
}

Watchdog::~Watchdog() {
  if (armed_) timer_delete(timer_);
}

}  // namespace psml
