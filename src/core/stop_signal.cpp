#include "psml/core/stop_signal.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>

namespace psml {
namespace {

volatile std::sig_atomic_t g_signal = 0;
unsigned g_grace_seconds = 0;

// Only async-signal-safe calls here: write(2), alarm(2), _exit(2), signal(2), raise(3).
void on_grace_expired(int) {
  const char text[] = "psml: the grace period after the stop signal ran out; exiting now\n";
  [[maybe_unused]] const auto n = ::write(STDERR_FILENO, text, sizeof text - 1);
  ::_exit(128 + (g_signal ? g_signal : SIGTERM));
}

void on_stop(int signal) {
  if (g_signal != 0) {  // a second signal: the user insists
    std::signal(signal, SIG_DFL);
    std::raise(signal);
    return;
  }
  g_signal = signal;
  if (g_grace_seconds > 0) ::alarm(g_grace_seconds);
}

}  // namespace

void install_stop_handlers(unsigned grace_seconds) {
  g_grace_seconds = grace_seconds;
  struct sigaction action;
  std::memset(&action, 0, sizeof action);
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  action.sa_handler = on_stop;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  action.sa_handler = on_grace_expired;
  sigaction(SIGALRM, &action, nullptr);
}

int stop_signal() {
  return g_signal;
}

const char* signal_name(int signal) {
  switch (signal) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    default:
      return "a signal";
  }
}

}  // namespace psml
