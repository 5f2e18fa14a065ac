#include "psml/stats/gmm.hpp"

#include <Eigen/Cholesky>
#include <cmath>
#include <limits>
#include <numbers>

#include "psml/core/error.hpp"
#include "psml/core/stopwatch.hpp"
#include "psml/data/row_blocks.hpp"
#include "psml/stats/kmeans.hpp"

namespace psml::stats {
namespace {

// Weights, means and covariances from responsibilities (this rank's rows x components).
// Collective.
GmmModel maximise(const data::Shard& shard, const Eigen::MatrixXd& resp, const GmmOptions& options,
                  const comm::Communicator& comm) {
  const auto k = resp.cols();
  const auto d = shard.x.cols();
  // Σ r (k), then Σ r x (k x d, column-major), in one buffer.
  Eigen::VectorXd first(k + k * d);
  Eigen::Map<Eigen::VectorXd> mass(first.data(), k);
  Eigen::Map<Eigen::MatrixXd> weighted_sums(first.data() + k, k, d);
  mass = resp.colwise().sum().transpose();
  weighted_sums.setZero();
  data::for_each_row_block(shard.x.rows(), [&](Eigen::Index b, Eigen::Index n) {
    weighted_sums.noalias() +=
        resp.middleRows(b, n).transpose() * shard.x.middleRows(b, n).cast<double>();
  });
  comm.allreduce(std::span<double>(first.data(), static_cast<std::size_t>(first.size())));
  // As scikit-learn: 10 machine epsilons keep an empty component's division finite.
  const Eigen::VectorXd nk = mass.array() + 10 * std::numeric_limits<double>::epsilon();
  GmmModel model;
  model.covariance = options.covariance;
  model.weights = nk / static_cast<double>(shard.info.rows);
  model.means = weighted_sums.array().colwise() / nk.array();

  Eigen::MatrixXd centred;
  if (options.covariance == Covariance::kDiag) {
    Eigen::MatrixXd squares = Eigen::MatrixXd::Zero(k, d);
    data::for_each_row_block(shard.x.rows(), [&](Eigen::Index b, Eigen::Index n) {
      const Eigen::MatrixXd x = shard.x.middleRows(b, n).cast<double>();
      for (Eigen::Index c = 0; c < k; ++c) {
        centred = x.rowwise() - model.means.row(c);
        squares.row(c).noalias() +=
            resp.col(c).segment(b, n).transpose() * centred.array().square().matrix();
      }
    });
    comm.allreduce(std::span<double>(squares.data(), static_cast<std::size_t>(squares.size())));
    model.variances = (squares.array().colwise() / nk.array()) + options.reg_covar;
    return model;
  }
  std::vector<double> scatter(static_cast<std::size_t>(k * d * d), 0.0);
  for (Eigen::Index c = 0; c < k; ++c) {
    Eigen::Map<Eigen::MatrixXd> s(scatter.data() + c * d * d, d, d);
    data::for_each_row_block(shard.x.rows(), [&](Eigen::Index b, Eigen::Index n) {
      centred = (shard.x.middleRows(b, n).cast<double>().rowwise() - model.means.row(c))
                    .array()
                    .colwise() *
                resp.col(c).segment(b, n).array().sqrt();
      s.selfadjointView<Eigen::Lower>().rankUpdate(centred.transpose());
    });
  }
  comm.allreduce(std::span<double>(scatter));
  for (Eigen::Index c = 0; c < k; ++c) {
    Eigen::Map<Eigen::MatrixXd> s(scatter.data() + c * d * d, d, d);
    Eigen::MatrixXd cov = s.selfadjointView<Eigen::Lower>();
    cov /= nk[c];
    cov.diagonal().array() += options.reg_covar;
    model.covariances.push_back(std::move(cov));
  }
  return model;
}

}  // namespace

Covariance parse_covariance(const std::string& name) {
  if (name == "diag") return Covariance::kDiag;
  if (name == "full") return Covariance::kFull;
  throw error("--covariance: '", name, "' is neither diag nor full");
}

const char* to_string(Covariance covariance) {
  return covariance == Covariance::kDiag ? "diag" : "full";
}

GmmScorer::GmmScorer(const GmmModel& model) : model_(model) {
  const auto k = model.means.rows();
  const auto d = model.means.cols();
  constants_.resize(k);
  const double log_2pi = std::log(2 * std::numbers::pi);
  for (Eigen::Index c = 0; c < k; ++c) {
    double log_det = 0;
    if (model.covariance == Covariance::kDiag) {
      // A feature constant within a component has variance 0 unless --reg-covar lifts it: its
      // precision would be infinite and every density NaN.
      const auto variances = model.variances.row(c).array();
      if (!(variances > 0).all() || !variances.isFinite().all())
        throw error("Gaussian mixture: component ", c,
                    " has a variance that is zero or not finite (raise --reg-covar)");
      log_det = variances.log().sum();
    } else {
      Eigen::LLT<Eigen::MatrixXd> llt(model.covariances[static_cast<std::size_t>(c)]);
      if (llt.info() != Eigen::Success)
        throw error("Gaussian mixture: the covariance of component ", c,
                    " is not positive definite (raise --reg-covar)");
      cholesky_.push_back(llt.matrixL());
      log_det = 2 * cholesky_.back().diagonal().array().log().sum();
    }
    constants_[c] = std::log(model.weights[c]) - 0.5 * (static_cast<double>(d) * log_2pi + log_det);
  }
  if (model.covariance == Covariance::kDiag) precisions_ = model.variances.cwiseInverse();
}

void GmmScorer::weighted_log_densities(const data::RowMatrix& x, Eigen::MatrixXd& out) const {
  const auto k = model_.means.rows();
  out.resize(x.rows(), k);
  const Eigen::MatrixXd xd = x.cast<double>();
  if (model_.covariance == Covariance::kDiag) {
    // Σ_j (x_j − m_j)² p_j = Σ x² p − 2 Σ x m p + Σ m² p, as three matrix products.
    const Eigen::MatrixXd mp = model_.means.cwiseProduct(precisions_);
    const Eigen::VectorXd mmp = model_.means.cwiseProduct(mp).rowwise().sum();
    out.noalias() = xd.array().square().matrix() * precisions_.transpose();
    out.noalias() -= 2.0 * xd * mp.transpose();
    out.rowwise() += mmp.transpose();
  } else {
    Eigen::MatrixXd centred;
    for (Eigen::Index c = 0; c < k; ++c) {
      centred = (xd.rowwise() - model_.means.row(c)).transpose();
      cholesky_[static_cast<std::size_t>(c)].triangularView<Eigen::Lower>().solveInPlace(centred);
      out.col(c) = centred.colwise().squaredNorm().transpose();
    }
  }
  out = (-0.5 * out).rowwise() + constants_.transpose();
}

double GmmScorer::responsibilities(const data::RowMatrix& x, Eigen::MatrixXd& out) const {
  out.resize(x.rows(), model_.means.rows());
  Eigen::MatrixXd block;
  double log_likelihood = 0;
  data::for_each_row_block(x.rows(), [&](Eigen::Index b, Eigen::Index n) {
    weighted_log_densities(x.middleRows(b, n), block);
    for (Eigen::Index i = 0; i < n; ++i) {
      const double top = block.row(i).maxCoeff();
      const double lse = top + std::log((block.row(i).array() - top).exp().sum());
      out.row(b + i) = (block.row(i).array() - lse).exp();
      log_likelihood += lse;
    }
  });
  return log_likelihood;
}

GmmResult fit_gmm(const data::Shard& shard, const GmmOptions& options,
                  const comm::Communicator& comm,
                  const std::function<void(const GmmIteration&)>& on_iteration) {
  if (options.components < 1) throw error("--components: must be at least 1");
  if (options.components > shard.info.rows)
    throw error("--components ", options.components, ": more than the ", shard.info.rows,
                " rows of ", shard.info.path);
  GmmResult result;
  const auto init_start = Clock::now();
  KMeansOptions kmeans;
  kmeans.k = options.components;
  kmeans.seed = options.seed;
  const auto partition = fit_kmeans(shard, kmeans, comm);
  Eigen::MatrixXd resp = Eigen::MatrixXd::Zero(shard.x.rows(), options.components);
  for (std::size_t i = 0; i < partition.labels.size(); ++i)
    resp(static_cast<Eigen::Index>(i), partition.labels[i]) = 1;
  result.model = maximise(shard, resp, options, comm);
  result.init_seconds = seconds_since(init_start);

  const auto rows = static_cast<double>(shard.info.rows);
  double previous = -std::numeric_limits<double>::infinity();
  for (int it = 1; it <= options.max_iterations; ++it) {
    const auto start = Clock::now();
    const double local = GmmScorer(result.model).responsibilities(shard.x, resp);
    const double mean = comm.allreduce(local, comm::ReduceOp::kSum) / rows;
    result.model = maximise(shard, resp, options, comm);
    GmmIteration step{it, mean, mean - previous, seconds_since(start)};
    result.history.push_back(step);
    result.iterations = it;
    if (on_iteration) on_iteration(step);
    previous = mean;
    if (std::abs(step.change) < options.tol) {
      result.converged = true;
      break;
    }
  }
  const double local = GmmScorer(result.model).responsibilities(shard.x, resp);
  result.mean_log_likelihood = comm.allreduce(local, comm::ReduceOp::kSum) / rows;
  return result;
}

}  // namespace psml::stats
