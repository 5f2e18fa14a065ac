// The linear models: scores S = X Wᵀ + 1 bᵀ (see linear_layer.hpp) under one loss head
// (see loss_head.hpp). Parameters: W (outputs x features, row-major), then b (outputs).
//   softmax  multinomial logistic regression   outputs = classes, softmax cross-entropy
//   logreg   binary logistic regression        outputs = 1, logistic loss, labels 0 / 1
//   svm      linear SVM, one-vs-rest           outputs = classes, hinge loss (+ --l2 as the
//            margin regulariser λ/2 ‖W‖²)
//   linreg   linear regression                 outputs = 1, squared error ½ Σ (x·w + b − y)²
#pragma once

#include <string>

#include "psml/models/linear_layer.hpp"
#include "psml/models/loss_head.hpp"
#include "psml/models/model.hpp"

namespace psml::models {

template <class Scalar>
class LinearModel final : public ModelT<Scalar> {
 public:
  LinearModel(std::string name, LossKind loss, Eigen::Index features, Eigen::Index outputs);

  std::string name() const override { return name_; }
  LossKind loss() const override { return loss_; }
  Eigen::Index outputs() const { return layer_.out(); }
  std::size_t num_params() const override { return layer_.num_params(); }
  std::vector<MatrixBlock> matrices() const override { return {layer_.matrix()}; }
  data::Task task() const override;
  void init_params(std::span<Scalar> params, std::uint64_t seed) const override;
  double loss_and_gradient(std::span<const Scalar> params, const data::BatchViewT<Scalar>& batch,
                           std::span<Scalar> grad) override;
  EvalSums evaluate(std::span<const Scalar> params, const data::BatchViewT<Scalar>& batch) override;
  data::ConstRowsMapT<Scalar> scores(std::span<const Scalar> params,
                                     const data::BatchViewT<Scalar>& batch) override;
  void reserve(Eigen::Index rows) override { scores_.reserve(rows, layer_.out()); }

 private:
  data::RowsMapT<Scalar> forward(std::span<const Scalar> params,
                                 const data::BatchViewT<Scalar>& batch);

  std::string name_;
  LossKind loss_;
  LinearLayer<Scalar> layer_;
  data::RowBuffer<Scalar> scores_, scratch_;  // workspaces, reused across steps
};

}  // namespace psml::models
