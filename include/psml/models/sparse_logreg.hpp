// Binary logistic regression on sparse (CSR) rows, for parameter-server training where a worker
// holds only the keys its minibatch touches. Keys: column j's weight is key j; the bias is key D.
//   s_i = Σ_j x_ij w_j + b,   L = Σ_i [log(1 + e^{s_i}) − y_i s_i],
//   ∂L/∂w_j = Σ_i (σ(s_i) − y_i) x_ij,   ∂L/∂b = Σ_i (σ(s_i) − y_i).
// Weights and gradients are compact: value k belongs to keys[k] of the batch's sorted key list.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "psml/data/csr.hpp"
#include "psml/models/model.hpp"

namespace psml::models {

class SparseLogisticRegression {
 public:
  explicit SparseLogisticRegression(std::int64_t features) : features_(features) {}

  std::int64_t num_keys() const { return features_ + 1; }

  // The sorted, unique keys the rows touch, the bias key (the largest) last.
  void keys_of(const data::CsrRows& x, std::span<const std::int64_t> rows,
               std::vector<std::int64_t>& keys) const;

  // Loss sum over the rows; grad (same layout as weights) receives its gradient.
  double loss_and_gradient(const data::CsrRows& x, std::span<const std::int64_t> rows,
                           const Eigen::VectorXi& classes, std::span<const std::int64_t> keys,
                           std::span<const float> weights, std::span<float> grad) const;

  EvalSums evaluate(const data::CsrRows& x, std::span<const std::int64_t> rows,
                    const Eigen::VectorXi& classes, std::span<const std::int64_t> keys,
                    std::span<const float> weights) const;

  // s_i (the log-odds of class 1) for each row into `out`.
  void scores(const data::CsrRows& x, std::span<const std::int64_t> rows,
              std::span<const std::int64_t> keys, std::span<const float> weights,
              std::vector<float>& out) const;

 private:
  std::int64_t features_;
  mutable std::vector<std::uint32_t> positions_;  // workspace
  mutable std::vector<float> scores_;             // workspace
};

}  // namespace psml::models
