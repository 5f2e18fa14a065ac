#include "psml/compress/power_sgd.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "psml/core/error.hpp"

namespace psml::compress {
namespace {

using ColMap = Eigen::Map<Eigen::MatrixXf>;
using ConstColMap = Eigen::Map<const Eigen::MatrixXf>;

// Gram-Schmidt on the columns, in place, each projection done twice ("twice is enough": the
// second pass removes what rounding left of the first). A column with almost nothing left of it,
// less than kDependent of its length, depends on the ones before it: it becomes zero. Normalising
// what is left of such a column would make a direction of rounding noise that is not orthogonal to
// the others, and P Pᵀ would no longer project.
void orthonormalize(ColMap a) {
  constexpr float kDependent = 1e-3f;
  for (Eigen::Index j = 0; j < a.cols(); ++j) {
    const float before = a.col(j).norm();
    for (int pass = 0; pass < 2; ++pass)
      for (Eigen::Index i = 0; i < j; ++i) a.col(j) -= a.col(i).dot(a.col(j)) * a.col(i);
    const float norm = a.col(j).norm();
    if (norm > kDependent * before && norm > 0.0f)
      a.col(j) /= norm;
    else
      a.col(j).setZero();
  }
}

}  // namespace

PowerSgd::PowerSgd(Eigen::Index rows, Eigen::Index cols, int rank, std::uint64_t seed)
    : rows_(rows),
      cols_(cols),
      rank_(std::min<Eigen::Index>(rank, std::min(rows, cols))),
      m_(rows, cols),
      residual_(Eigen::MatrixXf::Zero(rows, cols)),
      q_(cols, rank_) {
  if (rank < 1) throw error("powersgd: rank ", rank, " must be at least 1");
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal;
  for (Eigen::Index i = 0; i < q_.size(); ++i) q_.data()[i] = normal(rng);
}

void PowerSgd::start(std::span<const float> grad, std::span<float> p) {
  PSML_CHECK_EQ(grad.size(), static_cast<std::size_t>(rows_ * cols_), "powersgd matrix");
  PSML_CHECK_EQ(p.size(), static_cast<std::size_t>(p_size()), "powersgd P");
  m_ = Eigen::Map<const RowMajor>(grad.data(), rows_, cols_) + residual_;
  ColMap(p.data(), rows_, rank_).noalias() = m_ * q_;
}

void PowerSgd::middle(std::span<float> p, std::span<float> q) {
  PSML_CHECK_EQ(p.size(), static_cast<std::size_t>(p_size()), "powersgd P");
  PSML_CHECK_EQ(q.size(), static_cast<std::size_t>(q_size()), "powersgd Q");
  ColMap pm(p.data(), rows_, rank_);
  orthonormalize(pm);
  ColMap(q.data(), cols_, rank_).noalias() = m_.transpose() * pm;
}

void PowerSgd::finish(std::span<const float> p, std::span<const float> q, int workers,
                      std::span<float> out) {
  PSML_CHECK_EQ(out.size(), static_cast<std::size_t>(rows_ * cols_), "powersgd output");
  const ConstColMap pm(p.data(), rows_, rank_);
  const ConstColMap qm(q.data(), cols_, rank_);
  q_ = qm;  // the next step starts from this Q
  Eigen::Map<RowMajor> approximation(out.data(), rows_, cols_);
  approximation.noalias() = pm * qm.transpose();
  residual_ = m_ - approximation / static_cast<float>(workers);
}

}  // namespace psml::compress
