// Naive Bayes classifiers fitted by sufficient statistics, as scikit-learn's GaussianNB and
// MultinomialNB define them, distributed by reducing the statistics with allreduce:
//   gaussian     per class: row counts, feature sums (one allreduce) give the means θ; then the
//                squared deviations about them (a second allreduce, two-pass for accuracy) give
//                the variances σ², each plus ε = var_smoothing × the largest feature variance of
//                the whole set. log p(x | k) = −½ Σ_j [log 2πσ²_kj + (x_j − θ_kj)² / σ²_kj].
//   multinomial  per class: row counts and feature sums (one allreduce); with Laplace/Lidstone
//                smoothing α, log p_kj = log(N_kj + α) − log(Σ_j N_kj + F α), and
//                log p(x | k) = Σ_j x_j log p_kj (features must be non-negative: counts or
//                frequencies).
// The class prior is the classes' share of the rows. Prediction in log space: the joint
// log-likelihood log P(k) + log p(x | k), and the log-probabilities by log-sum-exp over k.
#pragma once

#include <Eigen/Core>
#include <string>
#include <vector>

#include "psml/comm/communicator.hpp"
#include "psml/data/shard.hpp"

namespace psml::stats {

enum class NaiveBayesKind { kGaussian, kMultinomial };

NaiveBayesKind parse_naive_bayes_kind(const std::string& name);  // "gaussian" | "multinomial"
const char* to_string(NaiveBayesKind kind);

struct NaiveBayesOptions {
  NaiveBayesKind kind = NaiveBayesKind::kGaussian;
  double var_smoothing = 1e-9;  // gaussian
  double alpha = 1.0;           // multinomial
};

struct NaiveBayesModel {
  NaiveBayesKind kind = NaiveBayesKind::kGaussian;
  Eigen::VectorXd class_count;      // rows of each class
  Eigen::VectorXd class_log_prior;  // log(class_count / rows)
  // gaussian: θ and σ² (ε included), classes x features; ε itself.
  Eigen::MatrixXd theta, var;
  double epsilon = 0;
  // multinomial: N_kj and log p_kj, classes x features; α.
  Eigen::MatrixXd feature_count, feature_log_prob;
  double alpha = 0;
  // The user's label of each class (data::DatasetInfo::class_names of the training file); empty
  // when the labels were the class ids.
  std::vector<std::string> class_names;

  Eigen::Index classes() const { return class_count.size(); }
  Eigen::Index features() const {
    return kind == NaiveBayesKind::kGaussian ? theta.cols() : feature_log_prob.cols();
  }
};

// Fits on every rank's rows of a labelled classification shard (classes 0..num_classes-1, each
// with at least one row). Collective: throws psml::Error on every rank alike, naming the file,
// for a class without rows or (multinomial) a negative feature.
NaiveBayesModel fit_naive_bayes(const data::Shard& shard, const NaiveBayesOptions& options,
                                const comm::Communicator& comm);

// The joint log-likelihood log P(k) + log p(x | k) of rows x, rows x classes.
void joint_log_likelihood(const NaiveBayesModel& model, const data::RowMatrix& x,
                          Eigen::MatrixXd& out);

// Normalises each row of a joint log-likelihood into log-probabilities (log-sum-exp).
void normalize_log_rows(Eigen::MatrixXd& m);

}  // namespace psml::stats
