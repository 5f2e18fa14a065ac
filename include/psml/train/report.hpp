// What a training run prints: a header, one line per epoch, the final result.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

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
  bool parameter_server = false;
  int workers = 1;
  exchange::EpochCounters counters;  // summed over workers (max_clock_gap: max)
};

struct RunHeader {
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
  std::string exchange;  // "allreduce" or "ps: 2 servers + 2 workers, bsp"
};

// "1 rank", "4 ranks".
std::string count_of(std::int64_t n, const std::string& noun);

void print_header(std::ostream& out, const RunHeader& h);
void print_epoch(std::ostream& out, const EpochMetrics& m);

}  // namespace psml::train
