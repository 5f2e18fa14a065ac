#include "psml/models/loss_head.hpp"

#include <cmath>

namespace psml::models {
namespace {

template <class Scalar>
Scalar softplus(Scalar s) {  // log(1 + exp(s)) without overflow
  return std::max(s, Scalar(0)) + std::log1p(std::exp(-std::abs(s)));
}

template <class Scalar>
Scalar target(const data::BatchViewT<Scalar>& batch, Eigen::Index i, Eigen::Index c,
              Eigen::Index outputs) {
  if (!batch.targets.empty()) return batch.targets[static_cast<std::size_t>(i)];
  const auto y = batch.classes[static_cast<std::size_t>(i)];
  return outputs == 1 ? Scalar(y) : Scalar(y == c ? 1 : 0);
}

// Softmax cross-entropy: turns each row of S into log-probabilities, returns the loss sum.
template <class Scalar>
double log_softmax_rows(data::RowsMapT<Scalar>& s, const data::BatchViewT<Scalar>& batch) {
  double loss = 0;
  for (Eigen::Index i = 0; i < s.rows(); ++i) {
    auto row = s.row(i);
    const Scalar max = row.maxCoeff();
    row.array() -= max + std::log((row.array() - max).exp().sum());
    loss -= static_cast<double>(row(batch.classes[static_cast<std::size_t>(i)]));
  }
  return loss;
}

}  // namespace

const char* to_string(LossKind kind) {
  switch (kind) {
    case LossKind::kSoftmaxCrossEntropy:
      return "cross-entropy";
    case LossKind::kLogistic:
      return "logistic";
    case LossKind::kHinge:
      return "hinge";
    case LossKind::kSquaredHinge:
      return "squared-hinge";
    case LossKind::kSquared:
      return "squared";
  }
  return "?";
}

template <class Scalar>
double loss_and_delta(LossKind kind, data::RowsMapT<Scalar> s,
                      const data::BatchViewT<Scalar>& batch) {
  double loss = 0;
  switch (kind) {
    case LossKind::kSoftmaxCrossEntropy:
      loss = log_softmax_rows(s, batch);
      s = s.array().exp();
      for (Eigen::Index i = 0; i < s.rows(); ++i)
        s(i, batch.classes[static_cast<std::size_t>(i)]) -= 1;
      break;
    case LossKind::kLogistic:
      for (Eigen::Index i = 0; i < s.rows(); ++i) {
        const Scalar y = Scalar(batch.classes[static_cast<std::size_t>(i)]);
        loss += static_cast<double>(softplus(s(i, 0)) - y * s(i, 0));
        s(i, 0) = Scalar(1) / (Scalar(1) + std::exp(-s(i, 0))) - y;
      }
      break;
    case LossKind::kHinge:
      for (Eigen::Index i = 0; i < s.rows(); ++i) {
        const auto y = batch.classes[static_cast<std::size_t>(i)];
        for (Eigen::Index c = 0; c < s.cols(); ++c) {
          const Scalar t = c == y ? Scalar(1) : Scalar(-1);
          const Scalar margin = Scalar(1) - t * s(i, c);
          loss += margin > 0 ? static_cast<double>(margin) : 0.0;
          s(i, c) = margin > 0 ? -t : Scalar(0);
        }
      }
      break;
    case LossKind::kSquaredHinge:
      for (Eigen::Index i = 0; i < s.rows(); ++i) {
        const auto y = batch.classes[static_cast<std::size_t>(i)];
        for (Eigen::Index c = 0; c < s.cols(); ++c) {
          const Scalar t = c == y ? Scalar(1) : Scalar(-1);
          const Scalar margin = std::max(Scalar(0), Scalar(1) - t * s(i, c));
          loss += static_cast<double>(margin * margin);
          s(i, c) = Scalar(-2) * t * margin;
        }
      }
      break;
    case LossKind::kSquared:
      for (Eigen::Index i = 0; i < s.rows(); ++i)
        for (Eigen::Index c = 0; c < s.cols(); ++c) {
          s(i, c) -= target(batch, i, c, s.cols());
          loss += 0.5 * static_cast<double>(s(i, c) * s(i, c));
        }
      break;
  }
  return loss;
}

template <class Scalar>
EvalSums evaluate_scores(LossKind kind, data::ConstRowsMapT<Scalar> scores,
                         const data::BatchViewT<Scalar>& batch, data::RowBuffer<Scalar>& scratch) {
  EvalSums sums;
  sums.rows = static_cast<double>(scores.rows());
  if (batch.targets.empty()) {
    for (Eigen::Index i = 0; i < scores.rows(); ++i) {
      Eigen::Index predicted = 0;
      if (kind == LossKind::kLogistic)
        predicted = scores(i, 0) > 0 ? 1 : 0;
      else
        scores.row(i).maxCoeff(&predicted);
      sums.correct += predicted == batch.classes[static_cast<std::size_t>(i)] ? 1 : 0;
    }
  }
  auto copy = scratch.rows(scores.rows(), scores.cols());
  copy = scores;
  sums.loss = loss_and_delta(kind, copy, batch);
  return sums;
}

template double loss_and_delta(LossKind, data::RowsMapT<float>, const data::BatchViewT<float>&);
template double loss_and_delta(LossKind, data::RowsMapT<double>, const data::BatchViewT<double>&);
template EvalSums evaluate_scores(LossKind, data::ConstRowsMapT<float>,
                                  const data::BatchViewT<float>&, data::RowBuffer<float>&);
template EvalSums evaluate_scores(LossKind, data::ConstRowsMapT<double>,
                                  const data::BatchViewT<double>&, data::RowBuffer<double>&);

}  // namespace psml::models
