// What a classifier did on a labelled set, accumulated block by block on every rank and added up
// with one allreduce: the confusion matrix, the log loss and the calibration bins when the model
// gives probabilities. From them: accuracy with its Wilson interval, per-class precision, recall
// and F1 (with macro and support-weighted means, as scikit-learn's classification_report), the
// mean log loss, and the expected calibration error with its reliability-diagram bins.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <span>
#include <vector>

#include "psml/comm/communicator.hpp"
#include "psml/stats/hypothesis.hpp"

namespace psml::stats {

struct ClassScores {
  std::int64_t support = 0;                  // rows whose true class this is
  double precision = 0, recall = 0, f1 = 0;  // 0 where undefined (no row predicted / present)
};

// One confidence bin: rows whose top probability falls in [low, high).
struct CalibrationBin {
  double low = 0, high = 0;
  double rows = 0;
  double mean_confidence = 0, accuracy = 0;  // over the bin's rows
};

struct ClassificationReport {
  double rows = 0;
  double accuracy = 0;
  Interval accuracy_interval;  // Wilson, 95%
  std::vector<ClassScores> classes;
  // Means of the classes' figures: plain (over the classes that occur as a label or a
  // prediction) and by support.
  ClassScores macro, weighted;
  Eigen::MatrixXd confusion;  // rows: true class, columns: predicted
  bool has_probabilities = false;
  double log_loss = 0;                    // mean −log P(true class)
  double expected_calibration_error = 0;  // Σ_bins rows/n · |accuracy − mean confidence|
  std::vector<CalibrationBin> calibration;
};

class ClassificationTally {
 public:
  static constexpr int kCalibrationBins = 15;  // equal-width confidence bins

  ClassificationTally(std::int64_t classes, bool probabilities);

  // One row: its true class, the predicted one, and (with probabilities) the log-probabilities of
  // every class, which must sum to 1 after exp. The predicted class is the caller's: a model's
  // argmax of its scores.
  void add(std::int32_t truth, std::int32_t predicted, std::span<const double> log_probabilities);

  // Adds every rank's counts. Collective.
  void reduce(const comm::Communicator& comm);

  ClassificationReport report() const;

 private:
  std::int64_t classes_;
  bool probabilities_;
  // The confusion matrix, then the log-loss sum, then per bin: rows, confidence sum, correct.
  std::vector<double> sums_;
};

}  // namespace psml::stats
