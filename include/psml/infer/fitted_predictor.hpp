// The predictors of models fitted by psml fit (stats/): k-means (the nearest centroid; scores:
// squared distances to every centroid), Gaussian mixtures (the most responsible component;
// scores: the responsibilities), naive Bayes (the most probable class; scores: joint
// log-likelihoods; P(class | row)) and Bayesian linear regression (the predictive mean and std).
#pragma once

#include <memory>
#include <vector>

#include "psml/infer/predictor.hpp"
#include "psml/stats/model_file.hpp"

namespace psml::infer {

// The predictor of a fitted model; throws psml::Error for PCA, which predicts nothing (its
// transform gives scores), and for a mixture with a covariance that is not positive definite.
std::unique_ptr<Predictor> make_fitted_predictor(stats::FittedModel model);

// The features a fitted model takes.
std::int64_t features_of(const stats::FittedModel& model);

// The index of each row's largest value (the first among equals) into `ids`, resized to the rows.
void row_argmax(const Eigen::MatrixXd& m, std::vector<std::int32_t>& ids);

}  // namespace psml::infer
