// What rank 0 prints while a run trains. On a terminal: a live bar per epoch (step / steps,
// samples/s, running loss, ETA), redrawn in place at most 10 times a second, replaced by the
// epoch's line when the epoch ends. Elsewhere (a log, CI, Slurm): the epoch lines alone.
// --log-every N adds a line every N global steps; --quiet prints none of it.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "psml/train/report.hpp"

namespace psml::train {

class Progress {
 public:
  // `out`: where the lines go; `bar`: draw the live bar (out is a terminal); `quiet`: print
  // nothing.
  Progress(std::FILE* out, bool bar, bool quiet, std::int64_t log_every);

  // Whether `file` is a terminal a person watches (the bar's default): under Open MPI, whether
  // mpirun's own output is one.
  static bool is_terminal(std::FILE* file);

  bool quiet() const { return quiet_; }
  void header(const RunHeader& h);
  void step(const StepProgress& p);
  void epoch(const EpochMetrics& m);
  // A line of its own (checkpoint written, ...), below the bar.
  void note(const std::string& text);

 private:
  void clear_bar();

  std::FILE* out_;
  bool bar_;
  bool quiet_;
  std::int64_t log_every_;
  bool bar_shown_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
  std::int64_t epoch_ = -1;      // the epoch the bar counts
  std::int64_t first_step_ = 0;  // the epoch's first step this run made (resumed: later than 1)
};

}  // namespace psml::train
