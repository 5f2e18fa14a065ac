// --metrics FILE (or metrics.jsonl in a run folder): one JSON object per line, written by rank 0:
// a "run" line when a run starts, "step" lines every --log-every steps, an "epoch" line per epoch.
// The fields are documented in docs/runs.md (and tested against it).
#pragma once

#include <chrono>
#include <fstream>
#include <string>

#include "psml/core/stopwatch.hpp"
#include "psml/train/report.hpp"

namespace psml::train {

class MetricsLog {
 public:
  // Appends to `path` (a resumed run continues its file). Throws naming the file if it cannot.
  explicit MetricsLog(const std::string& path);

  // `settings_toml`: the run's effective configuration.
  void run(const RunHeader& header, const std::string& settings_toml);
  // Worker 0's figures between two progress reports of the same epoch (`since` may be a
  // default StepProgress: from the start of the epoch).
  void step(const StepProgress& now, const StepProgress& since);
  void epoch(const EpochMetrics& m);

 private:
  void write(const std::string& line);
  double elapsed() const;

  std::string path_;
  std::ofstream out_;
  Clock::time_point start_ = Clock::now();
};

}  // namespace psml::train
