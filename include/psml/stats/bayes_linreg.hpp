// Bayesian linear regression with evidence-maximised precisions, as scikit-learn's BayesianRidge
// fits it, distributed by reducing sufficient statistics. Model: y = x·w + b + noise of
// precision α, prior w ~ N(0, I/λ), Gamma(α₁, α₂) and Gamma(λ₁, λ₂) hyperpriors on α and λ.
//   1. one allreduce of n, Σx, Σy gives the means x̄, ȳ (features and target are centred: the
//      intercept is not shrunk);
//   2. one allreduce of XᵀX, Xᵀy, yᵀy about them; every rank eigen-decomposes XᵀX = V diag(e) Vᵀ
//      (each sum is broadcast from rank 0 after its allreduce: every rank takes the same
//      decisions);
//   3. iterations, the same on every rank: posterior mean m = V diag(1 / (e + λ/α)) Vᵀ Xᵀy, the
//      residual sum ‖y − Xm‖² (an allreduce of one number: summed over the rows, not from the
//      Gram matrix, whose difference cancels badly when the fit is close), γ = Σ αe / (λ + αe),
//      λ ← (γ + 2λ₁) / (‖m‖² + 2λ₂), α ← (n − γ + 2α₁) / (residual + 2α₂), until Σ|Δm| < tol;
//   4. posterior covariance Σ = V diag(1 / (αe + λ)) Vᵀ and intercept b = ȳ − x̄·m.
// A prediction at x has mean x·m + b and variance (x − x̄)ᵀ Σ (x − x̄) + 1/α: the posterior is over
// the centred model. (scikit-learn's predict(return_std=True) uses xᵀ Σ x, which is the same only
// for centred features; docs/models.md.)
#pragma once

#include <Eigen/Core>
#include <functional>

#include "psml/comm/communicator.hpp"
#include "psml/data/shard.hpp"

namespace psml::stats {

struct BayesLinregOptions {
  int max_iterations = 300;
  double tol = 1e-3;
  double alpha_1 = 1e-6, alpha_2 = 1e-6, lambda_1 = 1e-6, lambda_2 = 1e-6;
};

struct BayesLinregModel {
  Eigen::VectorXd coef;  // posterior mean of w
  double intercept = 0;
  double alpha = 0;       // noise precision
  double lambda = 0;      // weight precision
  Eigen::MatrixXd sigma;  // posterior covariance of w
  Eigen::VectorXd x_mean;
  double y_mean = 0;
};

struct BayesLinregIteration {
  int iteration = 0;
  double alpha = 0, lambda = 0;        // after the update
  double log_marginal_likelihood = 0;  // of the precisions the iteration began with
  double coef_change = 0;              // Σ|Δm|; 0 on the first iteration
};

struct BayesLinregResult {
  BayesLinregModel model;
  int iterations = 0;
  bool converged = false;
  double log_marginal_likelihood = 0;  // at the final precisions
};

// Collective; throws on every rank alike for a set that is not a regression set with labels.
BayesLinregResult fit_bayes_linreg(
    const data::Shard& shard, const BayesLinregOptions& options, const comm::Communicator& comm,
    const std::function<void(const BayesLinregIteration&)>& on_iteration = {});

// Predictive means and standard deviations of rows x.
void predict_bayes_linreg(const BayesLinregModel& model, const data::RowMatrix& x,
                          Eigen::VectorXd& mean, Eigen::VectorXd& std);

}  // namespace psml::stats
