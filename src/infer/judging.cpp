#include "psml/infer/judging.hpp"

#include <cmath>
#include <vector>

#include "psml/core/error.hpp"
#include "psml/data/row_buffer.hpp"
#include "psml/models/loss_head.hpp"

namespace psml::infer {

stats::ClassificationReport judge_classifier(Predictor& predictor, const LocalRows& rows,
                                             const comm::Communicator& world) {
  const bool probabilities = predictor.has_probabilities();
  stats::ClassificationTally tally(predictor.classes(), probabilities);
  predict_blocks(predictor, rows, kJudgeBlockRows,
                 [&](std::int64_t first, std::int64_t n, const Predictions& out) {
                   const auto truth = rows.classes(first, n);
                   Eigen::RowVectorXd log_p;
                   for (std::size_t i = 0; i < truth.size(); ++i) {
                     std::span<const double> row;
                     if (probabilities) {
                       log_p = out.log_probabilities.row(static_cast<Eigen::Index>(i));
                       row = {log_p.data(), static_cast<std::size_t>(log_p.size())};
                     }
                     tally.add(truth[i], out.classes[i], row);
                   }
                 });
  tally.reduce(world);
  return tally.report();
}

RegressionFigures judge_regression(Predictor& predictor, const LocalRows& rows,
                                   const comm::Communicator& world) {
  if (predictor.score_columns() != 1) throw error("judge_regression needs one score per row");
  double sums[2] = {0, 0};  // loss, rows
  data::RowBuffer<float> scratch;
  predict_blocks(predictor, rows, kJudgeBlockRows,
                 [&](std::int64_t first, std::int64_t n, const Predictions& out) {
                   const data::BatchView labels{{nullptr, 0, 0}, {}, rows.targets(first, n)};
                   const auto s = models::evaluate_scores<float>(
                       models::LossKind::kSquared,
                       data::ConstRowsMap(out.scores.data(), n, out.scores.cols()), labels,
                       scratch);
                   sums[0] += s.loss;
                   sums[1] += s.rows;
                 });
  world.allreduce(std::span<double>(sums));
  return {sums[1], sums[0] / sums[1], std::sqrt(2 * sums[0] / sums[1])};
}

PredictiveFigures judge_predictive(Predictor& predictor, const LocalRows& rows,
                                   const comm::Communicator& world) {
  if (!predictor.has_std()) throw error("judge_predictive needs a predictive std");
  // Squared error, std, rows covered, rows.
  double sums[4] = {0, 0, 0, static_cast<double>(rows.count())};
  predict_blocks(predictor, rows, kJudgeBlockRows,
                 [&](std::int64_t first, std::int64_t n, const Predictions& out) {
                   const auto targets = rows.targets(first, n);
                   for (Eigen::Index i = 0; i < n; ++i) {
                     const double e = out.values[i] - targets[static_cast<std::size_t>(i)];
                     sums[0] += e * e;
                     sums[1] += out.std[i];
                     sums[2] += std::abs(e) <= 1.959963984540054 * out.std[i] ? 1 : 0;
                   }
                 });
  world.allreduce(std::span<double>(sums));
  return {sums[3], std::sqrt(sums[0] / sums[3]), sums[1] / sums[3], sums[2] / sums[3]};
}

Agreement compare_classifiers(Predictor& a, const LocalRows& a_rows, Predictor& b,
                              const LocalRows& b_rows, const comm::Communicator& world) {
  std::vector<std::uint8_t> a_right;
  predict_blocks(a, a_rows, kJudgeBlockRows,
                 [&](std::int64_t first, std::int64_t n, const Predictions& out) {
                   const auto truth = a_rows.classes(first, n);
                   for (std::size_t i = 0; i < truth.size(); ++i)
                     a_right.push_back(truth[i] == out.classes[i] ? 1 : 0);
                 });
  double counts[4] = {0, 0, 0, 0};  // both right, only A, only B, neither
  std::size_t row = 0;
  predict_blocks(b, b_rows, kJudgeBlockRows,
                 [&](std::int64_t first, std::int64_t n, const Predictions& out) {
                   const auto truth = b_rows.classes(first, n);
                   for (std::size_t i = 0; i < truth.size(); ++i, ++row) {
                     const bool b_ok = truth[i] == out.classes[i];
                     counts[a_right[row] ? (b_ok ? 0 : 1) : (b_ok ? 2 : 3)] += 1;
                   }
                 });
  world.allreduce(std::span<double>(counts));
  return {counts[0], counts[1], counts[2], counts[3]};
}

}  // namespace psml::infer
