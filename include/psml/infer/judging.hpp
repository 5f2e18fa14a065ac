// Judging predictors on labelled rows, summed over every rank: a classifier's report (accuracy,
// per-class figures; log loss and calibration where it has probabilities), a regression's squared
// error, a Bayesian regression's predictive intervals, and where two classifiers disagree (the
// rows of McNemar's test). Every function is collective over `world`.
#pragma once

#include <cstdint>

#include "psml/comm/communicator.hpp"
#include "psml/infer/local_rows.hpp"
#include "psml/infer/predictor.hpp"
#include "psml/stats/classification_report.hpp"

namespace psml::infer {

// The rows per block judging walks in, for every kind (prediction files: block_rows()).
inline constexpr std::int64_t kJudgeBlockRows = 1024;

// A classifier (classes() > 0) against the rows' classes.
stats::ClassificationReport judge_classifier(Predictor& predictor, const LocalRows& rows,
                                             const comm::Communicator& world);

// A trained regression model's scores against the rows' targets, under its loss: squared error.
struct RegressionFigures {
  double rows = 0;
  double loss = 0;  // the mean of ½ (prediction − target)²
  double rmse = 0;
};
RegressionFigures judge_regression(Predictor& predictor, const LocalRows& rows,
                                   const comm::Communicator& world);

// A regression with a predictive std (has_std()) against the rows' targets.
struct PredictiveFigures {
  double rows = 0;
  double rmse = 0;
  double mean_std = 0;  // the mean predictive standard deviation
  double coverage = 0;  // the share of rows within the 95% predictive interval (≈ 0.95 if right)
};
PredictiveFigures judge_predictive(Predictor& predictor, const LocalRows& rows,
                                   const comm::Communicator& world);

// Rows both classifiers predict right, only A, only B, neither. Each reads its own copy of the
// same rows (a model's rows are checked against the classes it knows).
struct Agreement {
  double both = 0, only_a = 0, only_b = 0, neither = 0;
  double rows() const { return both + only_a + only_b + neither; }
};
Agreement compare_classifiers(Predictor& a, const LocalRows& a_rows, Predictor& b,
                              const LocalRows& b_rows, const comm::Communicator& world);

}  // namespace psml::infer
