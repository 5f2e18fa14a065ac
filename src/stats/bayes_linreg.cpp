#include "psml/stats/bayes_linreg.hpp"

#include <Eigen/Eigenvalues>
#include <cmath>
#include <numbers>

#include "psml/comm/agreement.hpp"
#include "psml/comm/same_bits.hpp"
#include "psml/data/row_blocks.hpp"

namespace psml::stats {
namespace {

std::span<double> all_of(Eigen::MatrixXd& m) {
  return {m.data(), static_cast<std::size_t>(m.size())};
}

// The shard's rows [first, first + n) centred, with the centred targets in the last column.
void centred_block(const data::Shard& shard, Eigen::Index first, Eigen::Index n,
                   const Eigen::RowVectorXd& x_mean, double y_mean, Eigen::MatrixXd& out) {
  const Eigen::Index f = shard.x.cols();
  out.resize(n, f + 1);
  out.leftCols(f) = shard.x.middleRows(first, n).cast<double>().rowwise() - x_mean;
  out.col(f) = shard.targets.segment(first, n).cast<double>().array() - y_mean;
}

}  // namespace

BayesLinregResult fit_bayes_linreg(
    const data::Shard& shard, const BayesLinregOptions& o, const comm::Communicator& comm,
    const std::function<void(const BayesLinregIteration&)>& on_iteration) {
  const auto& info = shard.info;
  if (info.task != data::Task::kRegression || !info.has_labels)
    throw comm::CollectiveError(
        info.path + ": Bayesian linear regression needs a regression set with labels",
        comm.rank() == 0);
  const Eigen::Index f = shard.x.cols();
  // 1. Means.
  Eigen::MatrixXd sums = Eigen::MatrixXd::Zero(1, f + 1);
  sums.leftCols(f) = shard.x.cast<double>().colwise().sum();
  sums(0, f) = shard.targets.cast<double>().sum();
  comm::allreduce_same_bits(comm, all_of(sums));
  const double n = static_cast<double>(info.rows);
  BayesLinregResult result;
  auto& m = result.model;
  const Eigen::RowVectorXd x_mean = sums.leftCols(f) / n;
  m.x_mean = x_mean.transpose();
  m.y_mean = sums(0, f) / n;
  // 2. [XᵀX | Xᵀy] and yᵀy of the centred rows, in one buffer.
  Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(f + 1, f + 1);
  Eigen::MatrixXd block;
  data::for_each_row_block(shard.x.rows(), [&](Eigen::Index first, Eigen::Index rows) {
    centred_block(shard, first, rows, x_mean, m.y_mean, block);
    gram.noalias() += block.transpose() * block;
  });
  // Every rank decides alone (the eigenbasis, when to stop).
  comm::allreduce_same_bits(comm, all_of(gram));
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(gram.topLeftCorner(f, f));
  const Eigen::MatrixXd& v = eigen.eigenvectors();
  const Eigen::VectorXd e = eigen.eigenvalues().cwiseMax(0.0);    // rounding below 0 is 0
  const Eigen::VectorXd z = v.transpose() * gram.col(f).head(f);  // Vᵀ Xᵀy
  const double y_variance = gram(f, f) / n;
  // 3. Iterations. The residual sum: one pass over the rows and one allreduce.
  const auto posterior_mean = [&](double alpha, double lambda) -> Eigen::VectorXd {
    return v * (z.array() / (e.array() + lambda / alpha)).matrix();
  };
  const auto residual_sum = [&](const Eigen::VectorXd& coef) {
    double sum = 0;
    data::for_each_row_block(shard.x.rows(), [&](Eigen::Index first, Eigen::Index rows) {
      centred_block(shard, first, rows, x_mean, m.y_mean, block);
      sum += (block.col(f) - block.leftCols(f) * coef).squaredNorm();
    });
    comm::allreduce_same_bits(comm, std::span<double>(&sum, 1));
    return sum;
  };
  const auto log_marginal_likelihood = [&](double alpha, double lambda, const Eigen::VectorXd& c,
                                           double residual) {
    const double log_det_sigma = -(lambda + alpha * e.array()).log().sum();
    return o.lambda_1 * std::log(lambda) - o.lambda_2 * lambda + o.alpha_1 * std::log(alpha) -
           o.alpha_2 * alpha +
           0.5 *
               (static_cast<double>(f) * std::log(lambda) + n * std::log(alpha) - alpha * residual -
                lambda * c.squaredNorm() + log_det_sigma - n * std::log(2 * std::numbers::pi));
  };
  double alpha = 1.0 / (y_variance + std::numeric_limits<double>::epsilon()), lambda = 1.0;
  Eigen::VectorXd coef, previous;
  for (int it = 0; it < o.max_iterations; ++it) {
    coef = posterior_mean(alpha, lambda);
    const double residual = residual_sum(coef);
    BayesLinregIteration s;
    s.iteration = it + 1;
    s.log_marginal_likelihood = log_marginal_likelihood(alpha, lambda, coef, residual);
    const double gamma = (alpha * e.array() / (lambda + alpha * e.array())).sum();
    lambda = (gamma + 2 * o.lambda_1) / (coef.squaredNorm() + 2 * o.lambda_2);
    alpha = (n - gamma + 2 * o.alpha_1) / (residual + 2 * o.alpha_2);
    s.alpha = alpha;
    s.lambda = lambda;
    s.coef_change = it > 0 ? (coef - previous).cwiseAbs().sum() : 0.0;
    result.iterations = it + 1;
    if (on_iteration) on_iteration(s);
    if (it > 0 && s.coef_change < o.tol) {
      result.converged = true;
      break;
    }
    previous = coef;
  }
  // 4. The posterior at the final precisions.
  m.alpha = alpha;
  m.lambda = lambda;
  m.coef = posterior_mean(alpha, lambda);
  result.log_marginal_likelihood =
      log_marginal_likelihood(alpha, lambda, m.coef, residual_sum(m.coef));
  m.sigma = v * (alpha * e.array() + lambda).inverse().matrix().asDiagonal() * v.transpose();
  m.intercept = m.y_mean - x_mean.dot(m.coef);
  return result;
}

void predict_bayes_linreg(const BayesLinregModel& model, const data::RowMatrix& x,
                          Eigen::VectorXd& mean, Eigen::VectorXd& std) {
  const Eigen::MatrixXd centred = x.cast<double>().rowwise() - model.x_mean.transpose();
  mean = (centred * model.coef).array() + model.y_mean;
  std = (((centred * model.sigma).array() * centred.array()).rowwise().sum() + 1.0 / model.alpha)
            .sqrt();
}

}  // namespace psml::stats
