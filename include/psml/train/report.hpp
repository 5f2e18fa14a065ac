// What a training run prints: a header, one line per epoch, the final result.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "psml/core/count_of.hpp"
#include "psml/exchange/exchange.hpp"

namespace psml::train {

struct EpochMetrics {
  std::int64_t epoch = 0;  // 1-based
  std::int64_t epochs = 0;
  double train_loss = 0;  // mean over the epoch's steps, as seen during training
  double seconds = 0;     // training time of the epoch, evaluation excluded
  double samples_per_second = 0;
  bool has_test = false;
  double test_loss = 0;
  double test_accuracy = 0;  // classification
  bool regression = false;
  double test_rmse = 0;  // regression
  // The rows held out of the training file (--validation): the same figures.
  bool has_validation = false;
  double validation_loss = 0, validation_accuracy = 0, validation_rmse = 0;
  bool parameter_server = false;
  int workers = 1;
  std::int64_t global_step = 0;      // the last step of the epoch
  std::int64_t steps = 0;            // steps this epoch made (fewer than steps/epoch when resumed)
  double lr = 0;                     // the learning rate of the epoch's last step
  exchange::EpochCounters counters;  // summed over workers (max_clock_gap: max)
};

// Worker 0 after each step: where the run is and what this worker saw so far in the epoch
// (its own figures: no collective). For progress bars, step lines and step metrics.
struct StepProgress {
  std::int64_t epoch = 0;  // 1-based
  std::int64_t epochs = 0;
  std::int64_t step =
      0;  // steps done in this epoch (1-based; counts a resumed epoch's skipped ones)
  std::int64_t steps_per_epoch = 0;
  std::int64_t global_step = 0;
  double seconds = 0;  // since the epoch's training started
  double lr = 0;
  int workers = 1;
  bool parameter_server = false;
  exchange::EpochCounters counters;  // this worker's, since the epoch started
};

struct RunHeader {
  std::string label;  // short, for plots: "mlp 256,128, ps bsp 1+2, 3 ranks"
  std::string model;
  std::string data;
  std::int64_t rows = 0;
  std::int64_t features = 0;
  std::int64_t classes = 0;
  std::int64_t params = 0;
  int ranks = 1;
  std::int64_t global_batch = 0;
  std::int64_t steps_per_epoch = 0;
  std::string optimizer;
  std::string exchange;     // "allreduce" or "ps: 2 servers + 2 workers, bsp"
  std::string mode;         // "allreduce" or "ps"
  std::string consistency;  // ps: "bsp", "ssp:3", "async"; else empty
  int workers = 1;
  int servers = 0;
  std::int64_t epochs = 0;
  std::int64_t first_epoch = 0;  // where the run starts: 0 unless resumed
  std::int64_t first_step = 0;
  // What psml chose where the command line left a choice open, and why (train/default_choices.hpp).
  std::vector<std::string> choices;
};

void print_header(std::ostream& out, const RunHeader& h);
void print_epoch(std::ostream& out, const EpochMetrics& m);

}  // namespace psml::train
