#include "psml/models/softmax_regression.hpp"

#include <algorithm>
#include <cmath>

#include "psml/core/error.hpp"

namespace psml::models {
namespace {

using RowMap = Eigen::Map<data::RowMatrix>;
using ConstRowMap = Eigen::Map<const data::RowMatrix>;

}  // namespace

SoftmaxRegression::SoftmaxRegression(std::int64_t features, std::int64_t classes)
    : features_(features), classes_(classes) {
  if (classes < 2) throw error("softmax regression needs >= 2 classes, the data has ", classes);
}

std::size_t SoftmaxRegression::num_params() const {
  return static_cast<std::size_t>(classes_ * features_ + classes_);
}

void SoftmaxRegression::init_params(std::span<float> params, std::uint64_t) const {
  // The loss is convex: zero is as good a start as any, and the same on every rank.
  std::fill(params.begin(), params.end(), 0.0f);
}

double SoftmaxRegression::log_probabilities(std::span<const float> params,
                                            const data::BatchView& batch) {
  const ConstRowMap w(params.data(), classes_, features_);
  const Eigen::Map<const Eigen::RowVectorXf> b(params.data() + classes_ * features_, classes_);
  scores_.resize(batch.rows(), classes_);
  scores_.noalias() = batch.x * w.transpose();
  scores_.rowwise() += b;
  double loss = 0;
  for (Eigen::Index i = 0; i < scores_.rows(); ++i) {
    auto row = scores_.row(i);
    const float max = row.maxCoeff();
    const float log_sum = max + std::log((row.array() - max).exp().sum());
    row.array() -= log_sum;
    loss -= row(batch.classes[static_cast<std::size_t>(i)]);
  }
  return loss;
}

double SoftmaxRegression::loss_and_gradient(std::span<const float> params,
                                            const data::BatchView& batch, std::span<float> grad) {
  const double loss = log_probabilities(params, batch);
  // scores_ now holds log P; turn it into P − Y in place.
  scores_ = scores_.array().exp();
  for (Eigen::Index i = 0; i < scores_.rows(); ++i)
    scores_(i, batch.classes[static_cast<std::size_t>(i)]) -= 1.0f;
  RowMap dw(grad.data(), classes_, features_);
  Eigen::Map<Eigen::RowVectorXf> db(grad.data() + classes_ * features_, classes_);
  dw.noalias() = scores_.transpose() * batch.x;
  db = scores_.colwise().sum();
  return loss;
}

EvalSums SoftmaxRegression::evaluate(std::span<const float> params, const data::BatchView& batch) {
  EvalSums sums;
  sums.loss = log_probabilities(params, batch);
  sums.rows = static_cast<double>(batch.rows());
  for (Eigen::Index i = 0; i < scores_.rows(); ++i) {
    Eigen::Index best = 0;
    scores_.row(i).maxCoeff(&best);
    sums.correct += best == batch.classes[static_cast<std::size_t>(i)] ? 1 : 0;
  }
  return sums;
}

}  // namespace psml::models
