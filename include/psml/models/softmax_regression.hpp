// Softmax (multinomial logistic) regression.
//
// Parameters: W (C x D, row-major) then b (C), flattened. For a batch X (B x D), labels y:
//   scores S = X Wᵀ + 1 bᵀ,  P = softmax(S) row by row,
//   loss   = Σ_i [ log Σ_c exp(S_ic) − S_i,y_i ]        (computed with log-sum-exp)
//   ∂loss/∂S = P − Y  (Y one-hot),  ∂loss/∂W = (P − Y)ᵀ X,  ∂loss/∂b = (P − Y)ᵀ 1.
#pragma once

#include "psml/models/model.hpp"

namespace psml::models {

class SoftmaxRegression final : public Model {
 public:
  SoftmaxRegression(std::int64_t features, std::int64_t classes);

  std::string name() const override { return "softmax"; }
  std::size_t num_params() const override;
  data::Task task() const override { return data::Task::kClassification; }
  void init_params(std::span<float> params, std::uint64_t seed) const override;
  double loss_and_gradient(std::span<const float> params, const data::BatchView& batch,
                           std::span<float> grad) override;
  EvalSums evaluate(std::span<const float> params, const data::BatchView& batch) override;

 private:
  // Fills scores_ with S and turns each row into log-probabilities; returns the loss sum.
  double log_probabilities(std::span<const float> params, const data::BatchView& batch);

  std::int64_t features_;
  std::int64_t classes_;
  data::RowMatrix scores_;  // B x C workspace, reused across steps
};

}  // namespace psml::models
