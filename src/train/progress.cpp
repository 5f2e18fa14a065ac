#include "psml/train/progress.hpp"

#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <string>

namespace psml::train {
namespace {

constexpr auto kRedraw = std::chrono::milliseconds(100);  // at most 10 draws a second

std::string clock_text(double seconds) {
  const auto s = static_cast<long long>(seconds + 0.5);
  char text[32];
  if (s >= 3600)
    std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  else
    std::snprintf(text, sizeof text, "%lld:%02lld", s / 60, s % 60);
  return text;
}

}  // namespace

Progress::Progress(std::FILE* out, bool bar, bool quiet, std::int64_t log_every)
    : out_(out), bar_(bar && !quiet), quiet_(quiet), log_every_(log_every) {}

bool Progress::is_terminal(std::FILE* file) {
  if (::isatty(::fileno(file)) == 0) return false;
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::string(term) == "dumb") return false;
  // Open MPI's mpirun hands its ranks a pseudo-terminal for stdout whether or not its own
  // output is one: the launcher's stdout decides (a rank on another node, started by orted,
  // has none).
  if (std::getenv("OMPI_COMM_WORLD_SIZE") == nullptr) return true;
  const std::string launcher_stdout = "/proc/" + std::to_string(::getppid()) + "/fd/1";
  char target[256];
  const ssize_t n = ::readlink(launcher_stdout.c_str(), target, sizeof target - 1);
  if (n <= 0) return false;
  const std::string where(target, static_cast<std::size_t>(n));
  return where.rfind("/dev/pts/", 0) == 0 || where.rfind("/dev/tty", 0) == 0;
}

void Progress::clear_bar() {
  if (!bar_shown_) return;
  std::fputs("\r\x1b[K", out_);  // back to the line's start, erase it
  bar_shown_ = false;
}

void Progress::header(const RunHeader& h) {
  if (quiet()) return;
  std::ostringstream line;
  print_header(line, h);
  std::fputs(line.str().c_str(), out_);
  std::fflush(out_);
}

void Progress::note(const std::string& text) {
  if (quiet()) return;
  clear_bar();
  std::fprintf(out_, "%s\n", text.c_str());
  std::fflush(out_);
}

void Progress::step(const StepProgress& p) {
  if (quiet()) return;
  if (p.epoch != epoch_) {
    epoch_ = p.epoch;
    first_step_ = p.step;
  }
  const auto& c = p.counters;
  const double loss = c.rows > 0 ? c.loss_sum / c.rows : 0.0;
  const double samples = p.seconds > 0 ? c.rows * p.workers / p.seconds : 0.0;
  if (log_every_ > 0 && p.global_step % log_every_ == 0) {
    clear_bar();
    std::fprintf(out_,
                 "step %lld  epoch %lld/%lld  %lld/%lld  loss %.4f  samples/s %.0f  lr %.3g\n",
                 static_cast<long long>(p.global_step), static_cast<long long>(p.epoch),
                 static_cast<long long>(p.epochs), static_cast<long long>(p.step),
                 static_cast<long long>(p.steps_per_epoch), loss, samples, p.lr);
    std::fflush(out_);
  }
  if (!bar_) return;
  const auto now = std::chrono::steady_clock::now();
  if (p.step != p.steps_per_epoch && now - last_draw_ < kRedraw) return;
  last_draw_ = now;
  constexpr int kWidth = 24;
  const double done = static_cast<double>(p.step) / static_cast<double>(p.steps_per_epoch);
  const int filled = static_cast<int>(done * kWidth);
  const double per_step = p.seconds / static_cast<double>(p.step - first_step_ + 1);
  const double eta = per_step * static_cast<double>(p.steps_per_epoch - p.step);
  std::fprintf(out_, "\repoch %lld/%lld [%s%s] %lld/%lld  %.0f samples/s  loss %.4f  ETA %s\x1b[K",
               static_cast<long long>(p.epoch), static_cast<long long>(p.epochs),
               std::string(static_cast<std::size_t>(filled), '#').c_str(),
               std::string(static_cast<std::size_t>(kWidth - filled), '.').c_str(),
               static_cast<long long>(p.step), static_cast<long long>(p.steps_per_epoch), samples,
               loss, clock_text(eta).c_str());
  std::fflush(out_);
  bar_shown_ = true;
}

void Progress::epoch(const EpochMetrics& m) {
  if (quiet()) return;
  clear_bar();
  std::ostringstream lines;
  print_epoch(lines, m);
  std::fputs(lines.str().c_str(), out_);
  std::fflush(out_);
}

}  // namespace psml::train
