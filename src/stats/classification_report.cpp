#include "psml/stats/classification_report.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace psml::stats {

ClassificationTally::ClassificationTally(std::int64_t classes, bool probabilities)
    : classes_(classes), probabilities_(probabilities) {
  if (classes < 1) throw std::invalid_argument("ClassificationTally: no classes");
  const auto k = static_cast<std::size_t>(classes);
  sums_.assign(k * k + 1 + 3 * kCalibrationBins, 0.0);
}

void ClassificationTally::add(std::int32_t truth, std::int32_t predicted,
                              std::span<const double> log_probabilities) {
  if (truth < 0 || truth >= classes_ || predicted < 0 || predicted >= classes_)
    throw std::out_of_range("ClassificationTally::add: class id out of range");
  const auto k = static_cast<std::size_t>(classes_);
  sums_[static_cast<std::size_t>(truth) * k + static_cast<std::size_t>(predicted)] += 1;
  if (!probabilities_) return;
  if (log_probabilities.size() != k)
    throw std::invalid_argument("ClassificationTally::add: one log-probability per class");
  sums_[k * k] -= log_probabilities[static_cast<std::size_t>(truth)];
  const double confidence = std::exp(log_probabilities[static_cast<std::size_t>(predicted)]);
  const int bin =
      std::clamp(static_cast<int>(confidence * kCalibrationBins), 0, kCalibrationBins - 1);
  auto* b = sums_.data() + k * k + 1 + 3 * static_cast<std::size_t>(bin);
  b[0] += 1;
  b[1] += confidence;
  b[2] += truth == predicted ? 1 : 0;
}

void ClassificationTally::reduce(const comm::Communicator& comm) {
  comm.allreduce(std::span<double>(sums_));
}

namespace {

double ratio(double a, double b) {
  return b > 0 ? a / b : 0.0;
}

}  // namespace

ClassificationReport ClassificationTally::report() const {
  ClassificationReport r;
  const auto k = static_cast<Eigen::Index>(classes_);
  r.confusion.resize(k, k);
  for (Eigen::Index i = 0; i < k; ++i)
    for (Eigen::Index j = 0; j < k; ++j)
      r.confusion(i, j) = sums_[static_cast<std::size_t>(i * k + j)];
  r.rows = r.confusion.sum();
  if (r.rows <= 0) return r;
  r.accuracy = r.confusion.trace() / r.rows;
  r.accuracy_interval = wilson_interval(r.confusion.trace(), r.rows);
  // The macro mean is over the classes that occur (as a label or a prediction), as scikit-learn's.
  double present = 0;
  for (Eigen::Index c = 0; c < k; ++c)
    present += r.confusion.row(c).sum() + r.confusion.col(c).sum() > 0 ? 1 : 0;
  for (Eigen::Index c = 0; c < k; ++c) {
    ClassScores s;
    const double tp = r.confusion(c, c);
    s.support = static_cast<std::int64_t>(r.confusion.row(c).sum());
    s.precision = ratio(tp, r.confusion.col(c).sum());
    s.recall = ratio(tp, r.confusion.row(c).sum());
    s.f1 = ratio(2 * s.precision * s.recall, s.precision + s.recall);
    r.classes.push_back(s);
    r.macro.precision += s.precision / present;
    r.macro.recall += s.recall / present;
    r.macro.f1 += s.f1 / present;
    const double w = static_cast<double>(s.support) / r.rows;
    r.weighted.precision += w * s.precision;
    r.weighted.recall += w * s.recall;
    r.weighted.f1 += w * s.f1;
  }
  r.macro.support = r.weighted.support = static_cast<std::int64_t>(r.rows);
  r.has_probabilities = probabilities_;
  if (!probabilities_) return r;
  const auto kk = static_cast<std::size_t>(k * k);
  r.log_loss = sums_[kk] / r.rows;
  for (int b = 0; b < kCalibrationBins; ++b) {
    const auto* s = sums_.data() + kk + 1 + 3 * static_cast<std::size_t>(b);
    CalibrationBin bin;
    bin.low = static_cast<double>(b) / kCalibrationBins;
    bin.high = static_cast<double>(b + 1) / kCalibrationBins;
    bin.rows = s[0];
    bin.mean_confidence = ratio(s[1], s[0]);
    bin.accuracy = ratio(s[2], s[0]);
    r.expected_calibration_error += s[0] / r.rows * std::abs(bin.accuracy - bin.mean_confidence);
    r.calibration.push_back(bin);
  }
  return r;
}

}  // namespace psml::stats
