#include "psml/models/kernel_svm.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>

#include "psml/core/error.hpp"
#include "psml/core/rng.hpp"
#include "psml/models/loss_head.hpp"

namespace psml::models {

template <class Scalar>
KernelSvm<Scalar>::KernelSvm(Eigen::Index features, Eigen::Index classes, Eigen::Index rff_dim,
                             double gamma, std::uint64_t seed)
    : omega_(rff_dim, features), beta_(rff_dim), layer_(0, rff_dim, classes) {
  if (rff_dim < 1) throw error("--rff-dim must be >= 1, got ", rff_dim);
  if (!(gamma > 0)) throw error("--gamma must be > 0, got ", gamma);
  // Drawn in double from one stream, then cast: float and double models get the same features.
  auto rng = make_rng(seed, RngPurpose::kFeatures);
  std::normal_distribution<double> normal(0.0, std::sqrt(2.0 * gamma));
  std::uniform_real_distribution<double> phase(0.0, 2.0 * std::numbers::pi);
  for (Eigen::Index i = 0; i < omega_.size(); ++i)
    omega_.data()[i] = static_cast<Scalar>(normal(rng));
  for (Eigen::Index i = 0; i < beta_.size(); ++i) beta_[i] = static_cast<Scalar>(phase(rng));
}

template <class Scalar>
void KernelSvm<Scalar>::init_params(std::span<Scalar> params, std::uint64_t) const {
  std::fill(params.begin(), params.end(), Scalar(0));  // convex in W, b
}

template <class Scalar>
data::RowsMapT<Scalar> KernelSvm<Scalar>::featurize(const data::BatchViewT<Scalar>& batch) {
  auto z = z_.rows(batch.rows(), omega_.rows());
  z.rowwise() = beta_;
  z.noalias() += batch.x * omega_.transpose();
  const Scalar scale = std::sqrt(Scalar(2) / static_cast<Scalar>(omega_.rows()));
  z = scale * z.array().cos();
  return z;
}

template <class Scalar>
data::RowsMapT<Scalar> KernelSvm<Scalar>::forward(std::span<const Scalar> params,
                                                  const data::BatchViewT<Scalar>& batch) {
  const auto z = featurize(batch);
  auto s = scores_.rows(batch.rows(), layer_.out());
  layer_.forward(params, z, s);
  return s;
}

template <class Scalar>
double KernelSvm<Scalar>::loss_and_gradient(std::span<const Scalar> params,
                                            const data::BatchViewT<Scalar>& batch,
                                            std::span<Scalar> grad) {
  auto s = forward(params, batch);
  const double loss = loss_and_delta(LossKind::kHinge, s, batch);
  layer_.backward(s, z_.rows(batch.rows(), omega_.rows()), grad);
  return loss;
}

template <class Scalar>
EvalSums KernelSvm<Scalar>::evaluate(std::span<const Scalar> params,
                                     const data::BatchViewT<Scalar>& batch) {
  return evaluate_scores<Scalar>(LossKind::kHinge, data::as_const(forward(params, batch)), batch,
                                 scratch_);
}

template <class Scalar>
data::ConstRowsMapT<Scalar> KernelSvm<Scalar>::scores(std::span<const Scalar> params,
                                                      const data::BatchViewT<Scalar>& batch) {
  return data::as_const(forward(params, batch));
}

template class KernelSvm<float>;
template class KernelSvm<double>;

}  // namespace psml::models
