#include "psml/stats/naive_bayes.hpp"

#include <cmath>
#include <numbers>

#include "psml/comm/agreement.hpp"
#include "psml/core/error.hpp"

namespace psml::stats {

NaiveBayesKind parse_naive_bayes_kind(const std::string& name) {
  if (name == "gaussian") return NaiveBayesKind::kGaussian;
  if (name == "multinomial") return NaiveBayesKind::kMultinomial;
  throw error("naive Bayes kind '", name, "' is neither gaussian nor multinomial");
}

const char* to_string(NaiveBayesKind kind) {
  return kind == NaiveBayesKind::kGaussian ? "gaussian" : "multinomial";
}

namespace {

std::span<double> all_of(Eigen::MatrixXd& m) {
  return {m.data(), static_cast<std::size_t>(m.size())};
}

// Per class: [row count, feature sums...]; one row per class. Collective.
Eigen::MatrixXd class_sums(const data::Shard& shard, Eigen::Index classes,
                           const comm::Communicator& comm) {
  const Eigen::Index f = shard.x.cols();
  Eigen::MatrixXd sums = Eigen::MatrixXd::Zero(classes, f + 1);
  for (Eigen::Index i = 0; i < shard.x.rows(); ++i) {
    const auto k = shard.classes[i];
    sums(k, 0) += 1;
    sums.row(k).tail(f) += shard.x.row(i).cast<double>();
  }
  comm.allreduce(all_of(sums));
  return sums;
}

}  // namespace

NaiveBayesModel fit_naive_bayes(const data::Shard& shard, const NaiveBayesOptions& options,
                                const comm::Communicator& comm) {
  const auto& info = shard.info;
  const Eigen::Index f = shard.x.cols();
  if (info.task != data::Task::kClassification || !info.has_labels)
    throw comm::CollectiveError(info.path + ": naive Bayes needs a classification set with labels",
                                comm.rank() == 0);
  // The file's num_classes, else the largest class id of any rank's rows + 1.
  const std::int64_t local_max = shard.classes.size() ? shard.classes.maxCoeff() : -1;
  const Eigen::Index classes =
      info.num_classes > 0 ? info.num_classes : comm.allreduce(local_max + 1, comm::ReduceOp::kMax);
  if (options.kind == NaiveBayesKind::kMultinomial) {
    // Every rank looks at its own rows: agree before anything is reduced.
    comm::run_agreed(comm, [&] {
      for (Eigen::Index i = 0; i < shard.x.rows(); ++i)
        for (Eigen::Index j = 0; j < f; ++j)
          if (shard.x(i, j) < 0)
            throw error(info.path, ": row ", shard.rows.first + i, " feature ", j, " is ",
                        shard.x(i, j),
                        "; multinomial naive Bayes takes non-negative features "
                        "(counts or frequencies)");
    });
  }
  NaiveBayesModel m;
  m.kind = options.kind;
  m.class_names = info.class_names;
  const Eigen::MatrixXd sums = class_sums(shard, classes, comm);
  m.class_count = sums.col(0);
  for (Eigen::Index k = 0; k < classes; ++k)
    if (m.class_count[k] == 0)
      throw comm::CollectiveError(info.path + ": class " + std::to_string(k) + " of " +
                                      std::to_string(classes) +
                                      " has no rows; naive Bayes needs every class",
                                  comm.rank() == 0);
  const double rows = m.class_count.sum();
  m.class_log_prior = (m.class_count / rows).array().log();
  if (m.kind == NaiveBayesKind::kMultinomial) {
    m.alpha = options.alpha;
    m.feature_count = sums.rightCols(f);
    const Eigen::MatrixXd smoothed = m.feature_count.array() + m.alpha;
    m.feature_log_prob = smoothed.array().log().colwise() - smoothed.rowwise().sum().array().log();
    return m;
  }
  // Gaussian: squared deviations about each class's mean, and about the whole set's mean (its
  // largest variance scales ε), in one more allreduce.
  m.theta = sums.rightCols(f).array().colwise() / m.class_count.array();
  const Eigen::RowVectorXd mean = sums.rightCols(f).colwise().sum() / rows;
  Eigen::MatrixXd squares = Eigen::MatrixXd::Zero(classes + 1, f);
  for (Eigen::Index i = 0; i < shard.x.rows(); ++i) {
    const auto k = shard.classes[i];
    const Eigen::RowVectorXd x = shard.x.row(i).cast<double>();
    squares.row(k) += (x - m.theta.row(k)).array().square().matrix();
    squares.row(classes) += (x - mean).array().square().matrix();
  }
  comm.allreduce(all_of(squares));
  m.epsilon = options.var_smoothing * (squares.row(classes) / rows).maxCoeff();
  m.var = (squares.topRows(classes).array().colwise() / m.class_count.array()) + m.epsilon;
  Eigen::Index k = 0, j = 0;
  if (m.var.minCoeff(&k, &j) <= 0)
    throw comm::CollectiveError(m.epsilon > 0
                                    ? detail::concat(info.path, ": class ", k, " feature ", j,
                                                     " has variance 0 (raise --var-smoothing)")
                                    : detail::concat(info.path,
                                                     ": every feature is constant: a Gaussian "
                                                     "naive Bayes model has no variance to use"),
                                comm.rank() == 0);
  return m;
}

void joint_log_likelihood(const NaiveBayesModel& m, const data::RowMatrix& x,
                          Eigen::MatrixXd& out) {
  const Eigen::Index classes = m.classes(), n = x.rows();
  if (m.kind == NaiveBayesKind::kMultinomial) {
    out = x.cast<double>() * m.feature_log_prob.transpose();
    out.rowwise() += m.class_log_prior.transpose();
    return;
  }
  out.resize(n, classes);
  const Eigen::MatrixXd precision = m.var.cwiseInverse();
  for (Eigen::Index k = 0; k < classes; ++k) {
    const double constant =
        m.class_log_prior[k] - 0.5 * (2 * std::numbers::pi * m.var.row(k).array()).log().sum();
    for (Eigen::Index i = 0; i < n; ++i)
      out(i, k) = constant - 0.5 * ((x.row(i).cast<double>() - m.theta.row(k)).array().square() *
                                    precision.row(k).array())
                                       .sum();
  }
}

void normalize_log_rows(Eigen::MatrixXd& m) {
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    const double top = m.row(i).maxCoeff();
    m.row(i).array() -= top + std::log((m.row(i).array() - top).exp().sum());
  }
}

}  // namespace psml::stats
