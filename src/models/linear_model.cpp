#include "psml/models/linear_model.hpp"

#include <algorithm>

namespace psml::models {

template <class Scalar>
LinearModel<Scalar>::LinearModel(std::string name, LossKind loss, Eigen::Index features,
                                 Eigen::Index outputs)
    : name_(std::move(name)), loss_(loss), layer_(0, features, outputs) {}

template <class Scalar>
data::Task LinearModel<Scalar>::task() const {
  return loss_ == LossKind::kSquared ? data::Task::kRegression : data::Task::kClassification;
}

template <class Scalar>
void LinearModel<Scalar>::init_params(std::span<Scalar> params, std::uint64_t) const {
  // Every linear loss here is convex: zero is as good a start as any, and the same on every rank.
  std::fill(params.begin(), params.end(), Scalar(0));
}

template <class Scalar>
data::RowsMapT<Scalar> LinearModel<Scalar>::forward(std::span<const Scalar> params,
                                                    const data::BatchViewT<Scalar>& batch) {
  auto s = scores_.rows(batch.rows(), layer_.out());
  layer_.forward(params, batch.x, s);
  return s;
}

template <class Scalar>
double LinearModel<Scalar>::loss_and_gradient(std::span<const Scalar> params,
                                              const data::BatchViewT<Scalar>& batch,
                                              std::span<Scalar> grad) {
  auto s = forward(params, batch);
  const double loss = loss_and_delta(loss_, s, batch);
  layer_.backward(s, batch.x, grad);
  return loss;
}

template <class Scalar>
EvalSums LinearModel<Scalar>::evaluate(std::span<const Scalar> params,
                                       const data::BatchViewT<Scalar>& batch) {
  return evaluate_scores<Scalar>(loss_, data::as_const(forward(params, batch)), batch, scratch_);
}

template <class Scalar>
data::ConstRowsMapT<Scalar> LinearModel<Scalar>::scores(std::span<const Scalar> params,
                                                        const data::BatchViewT<Scalar>& batch) {
  return data::as_const(forward(params, batch));
}

template class LinearModel<float>;
template class LinearModel<double>;

}  // namespace psml::models
