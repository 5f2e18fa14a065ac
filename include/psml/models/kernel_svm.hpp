// Kernel SVM with the Gaussian (RBF) kernel k(x, x') = exp(−γ ‖x − x'‖²), approximated by random
// Fourier features (Rahimi & Recht, 2007):
//   z(x) = √(2/R) cos(Ω x + β),  Ω (R x D) ~ N(0, 2γ I),  β ~ U[0, 2π)R,  so  E[z(x)·z(x')] = k(x,
//   x').
// Ω and β are drawn from the run seed, so every rank builds the same features without
// communicating; they are not trained. On z the model is the linear one-vs-rest SVM
// (linear_model.hpp): the parameters are its W (classes x R) and b.
#pragma once

#include "psml/models/linear_layer.hpp"
#include "psml/models/model.hpp"

namespace psml::models {

template <class Scalar>
class KernelSvm final : public ModelT<Scalar> {
 public:
  KernelSvm(Eigen::Index features, Eigen::Index classes, Eigen::Index rff_dim, double gamma,
            std::uint64_t seed);

  std::string name() const override { return "rff-svm"; }
  std::size_t num_params() const override { return layer_.num_params(); }
  std::vector<MatrixBlock> matrices() const override { return {layer_.matrix()}; }
  data::Task task() const override { return data::Task::kClassification; }
  LossKind loss() const override { return LossKind::kHinge; }
  void init_params(std::span<Scalar> params, std::uint64_t seed) const override;
  double loss_and_gradient(std::span<const Scalar> params, const data::BatchViewT<Scalar>& batch,
                           std::span<Scalar> grad) override;
  EvalSums evaluate(std::span<const Scalar> params, const data::BatchViewT<Scalar>& batch) override;
  data::ConstRowsMapT<Scalar> scores(std::span<const Scalar> params,
                                     const data::BatchViewT<Scalar>& batch) override;
  void reserve(Eigen::Index rows) override {
    z_.reserve(rows, omega_.rows());
    scores_.reserve(rows, layer_.out());
  }

 private:
  // The batch's random features, then its scores.
  data::RowsMapT<Scalar> featurize(const data::BatchViewT<Scalar>& batch);
  data::RowsMapT<Scalar> forward(std::span<const Scalar> params,
                                 const data::BatchViewT<Scalar>& batch);

  data::RowMatrixT<Scalar> omega_;                 // R x D
  Eigen::Matrix<Scalar, 1, Eigen::Dynamic> beta_;  // R
  LinearLayer<Scalar> layer_;
  data::RowBuffer<Scalar> z_;                 // batch features, workspace
  data::RowBuffer<Scalar> scores_, scratch_;  // workspaces
};

}  // namespace psml::models
