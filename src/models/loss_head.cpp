#include "psml/models/loss_head.hpp"

#include <cmath>

#include "psml/core/error.hpp"

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

template <class Scalar>
Scalar sigmoid(Scalar s) {
  return Scalar(1) / (Scalar(1) + std::exp(-s));
}

// Turns a row of scores into its log-softmax, log-sum-exp shifted by the largest score.
template <class Row>
void log_softmax(Row row) {
  const auto max = row.maxCoeff();
  row.array() -= max + std::log((row.array() - max).exp().sum());
}

// Softmax cross-entropy: turns each row of S into log-probabilities, returns the loss sum.
template <class Scalar>
double log_softmax_rows(data::RowsMapT<Scalar>& s, const data::BatchViewT<Scalar>& batch) {
  double loss = 0;
  for (Eigen::Index i = 0; i < s.rows(); ++i) {
    log_softmax(s.row(i));
    loss -= static_cast<double>(s(i, batch.classes[static_cast<std::size_t>(i)]));
  }
  return loss;
}

void require_probabilities(LossKind kind) {
  if (!gives_probabilities(kind))
    throw error("a model trained with the ", to_string(kind),
                " loss has scores that are not logits: no class probabilities");
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
        s(i, 0) = sigmoid(s(i, 0)) - y;
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
    for (Eigen::Index i = 0; i < scores.rows(); ++i)
      sums.correct +=
          predicted_class(kind, scores, i) == batch.classes[static_cast<std::size_t>(i)] ? 1 : 0;
  }
  auto copy = scratch.rows(scores.rows(), scores.cols());
  copy = scores;
  sums.loss = loss_and_delta(kind, copy, batch);
  return sums;
}

bool gives_probabilities(LossKind kind) {
  return kind == LossKind::kSoftmaxCrossEntropy || kind == LossKind::kLogistic;
}

template <class Scalar>
std::int32_t predicted_class(LossKind kind, data::ConstRowsMapT<Scalar> scores, Eigen::Index row) {
  if (kind == LossKind::kLogistic) return scores(row, 0) > 0 ? 1 : 0;
  Eigen::Index best = 0;
  scores.row(row).maxCoeff(&best);
  return static_cast<std::int32_t>(best);
}

template <class Scalar>
void class_probabilities(LossKind kind, data::ConstRowsMapT<Scalar> scores,
                         data::RowMatrixT<Scalar>& out) {
  require_probabilities(kind);
  if (kind == LossKind::kLogistic) {
    out.resize(scores.rows(), 2);
    for (Eigen::Index i = 0; i < scores.rows(); ++i) {
      const Scalar p = sigmoid(scores(i, 0));
      out(i, 0) = Scalar(1) - p;
      out(i, 1) = p;
    }
    return;
  }
  // The softmax shifted by the row's largest score: no exp overflows.
  out.resize(scores.rows(), scores.cols());
  for (Eigen::Index i = 0; i < scores.rows(); ++i) {
    const Scalar top = scores.row(i).maxCoeff();
    Scalar sum = 0;
    for (Eigen::Index k = 0; k < scores.cols(); ++k)
      sum += out(i, k) = std::exp(scores(i, k) - top);
    for (Eigen::Index k = 0; k < scores.cols(); ++k) out(i, k) /= sum;
  }
}

template <class Scalar>
void class_log_probabilities(LossKind kind, data::ConstRowsMapT<Scalar> scores,
                             Eigen::MatrixXd& out) {
  require_probabilities(kind);
  if (kind == LossKind::kLogistic) {
    out.resize(scores.rows(), 2);
    for (Eigen::Index i = 0; i < scores.rows(); ++i) {
      const double s = static_cast<double>(scores(i, 0));
      out(i, 0) = -softplus(s);
      out(i, 1) = -softplus(-s);
    }
    return;
  }
  out = scores.template cast<double>();
  for (Eigen::Index i = 0; i < out.rows(); ++i) log_softmax(out.row(i));
}

template double loss_and_delta(LossKind, data::RowsMapT<float>, const data::BatchViewT<float>&);
template double loss_and_delta(LossKind, data::RowsMapT<double>, const data::BatchViewT<double>&);
template EvalSums evaluate_scores(LossKind, data::ConstRowsMapT<float>,
                                  const data::BatchViewT<float>&, data::RowBuffer<float>&);
template EvalSums evaluate_scores(LossKind, data::ConstRowsMapT<double>,
                                  const data::BatchViewT<double>&, data::RowBuffer<double>&);
template std::int32_t predicted_class(LossKind, data::ConstRowsMapT<float>, Eigen::Index);
template std::int32_t predicted_class(LossKind, data::ConstRowsMapT<double>, Eigen::Index);
template void class_probabilities(LossKind, data::ConstRowsMapT<float>, data::RowMatrixT<float>&);
template void class_probabilities(LossKind, data::ConstRowsMapT<double>, data::RowMatrixT<double>&);
template void class_log_probabilities(LossKind, data::ConstRowsMapT<float>, Eigen::MatrixXd&);
template void class_log_probabilities(LossKind, data::ConstRowsMapT<double>, Eigen::MatrixXd&);

}  // namespace psml::models
