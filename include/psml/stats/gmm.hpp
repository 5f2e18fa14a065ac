// Gaussian mixtures fitted by expectation-maximisation, distributed by reducing sufficient
// statistics. E-step, per rank: log N(x | mean_k, Σ_k) + log weight_k for each row and
// component, responsibilities by log-sum-exp (never exp of a large negative number first), and
// the row's log-likelihood. M-step: one allreduce of Σ r and Σ r x gives weights and means;
// each rank then adds Σ r (x − mean)(x − mean)ᵀ (or its diagonal) about the new means, one more
// allreduce, and every Σ_k gets reg_covar on its diagonal. Started, as scikit-learn's is, from
// the M-step of a k-means partition.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "psml/comm/communicator.hpp"
#include "psml/data/shard.hpp"

namespace psml::stats {

enum class Covariance { kDiag, kFull };

Covariance parse_covariance(const std::string& name);  // "diag" | "full"
const char* to_string(Covariance covariance);

struct GmmOptions {
  int components = 1;
  Covariance covariance = Covariance::kFull;
  int max_iterations = 100;
  double tol = 1e-3;  // on the change of the mean log-likelihood
  double reg_covar = 1e-6;
  std::uint64_t seed = 0;  // of the k-means initialisation
};

struct GmmModel {
  Covariance covariance = Covariance::kFull;
  Eigen::VectorXd weights;  // components
  Eigen::MatrixXd means;    // components x features
  // diag: components x features variances; full: one features x features matrix per component.
  Eigen::MatrixXd variances;
  std::vector<Eigen::MatrixXd> covariances;
};

struct GmmIteration {
  int iteration = 0;
  double mean_log_likelihood = 0;  // of the parameters the iteration began with
  double change = 0;
  double seconds = 0;
};

struct GmmResult {
  GmmModel model;
  double mean_log_likelihood = 0;  // of the final parameters
  int iterations = 0;
  bool converged = false;
  double init_seconds = 0;
  std::vector<GmmIteration> history;
};

// Collective over comm.
GmmResult fit_gmm(const data::Shard& shard, const GmmOptions& options,
                  const comm::Communicator& comm,
                  const std::function<void(const GmmIteration&)>& on_iteration = {});

// Log-densities of a fitted mixture.
class GmmScorer {
 public:
  // Throws if a covariance is not positive definite.
  explicit GmmScorer(const GmmModel& model);
  // Responsibilities (rows x components) of rows x; returns the sum of their log-likelihoods.
  double responsibilities(const data::RowMatrix& x, Eigen::MatrixXd& out) const;

 private:
  // log N(x | component) + log weight for every row and component.
  void weighted_log_densities(const data::RowMatrix& x, Eigen::MatrixXd& out) const;
  const GmmModel& model_;
  std::vector<Eigen::MatrixXd> cholesky_;  // full: lower factors of Σ_k
  Eigen::MatrixXd precisions_;             // diag: 1 / variances
  Eigen::VectorXd constants_;  // per component: log weight − ½ (d log 2π + log |Σ|)
};

}  // namespace psml::stats
