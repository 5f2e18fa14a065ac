// The full-batch objective of a convex linear model (--solver lbfgs) over every worker's rows:
//     F(θ) = (1/n) Σ_i loss_i(θ) + (λ₂/2) ‖W‖² [+ λ₁ ‖W‖₁, added by OWL-QN]
// where W are the model's weight matrices (its biases are not regularised, as the intercepts of
// scikit-learn's LogisticRegression and Ridge and psml's closed form are not). One evaluation: each
// worker sums the loss and gradient of its rows in double (the model in double precision, its rows
// converted once), one allreduce adds them, and worker 0's sums are broadcast so that every worker
// holds the same bits (an allreduce's rounding may differ between ranks): the optimiser then takes
// the same decisions everywhere. In scikit-learn's terms, λ₂ = 1 / (C n).
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "psml/comm/communicator.hpp"
#include "psml/data/csr.hpp"
#include "psml/data/shard.hpp"
#include "psml/models/model.hpp"
#include "psml/models/sparse_linear.hpp"

namespace psml::train {

class FullBatchObjective {
 public:
  // `model` in double precision, for `shard` (this worker's rows of a dense file with n rows in
  // all). Collective calls go to `workers`.
  FullBatchObjective(std::unique_ptr<models::ModelT<double>> model, const data::Shard& shard,
                     double l2, const comm::Communicator& workers);
  // The same on CSR rows: each block of rows computes on the keys it touches.
  FullBatchObjective(std::unique_ptr<models::SparseLinearModel<double>> model,
                     const data::SparseShard& shard, double l2, const comm::Communicator& workers);

  std::size_t num_params() const { return mask_.size(); }
  // 1 for the entries of the weight matrices, 0 for the biases.
  const std::vector<std::uint8_t>& weight_mask() const { return mask_; }

  // F(θ) without the L1 term, and its gradient. Collective.
  double operator()(std::span<const double> params, std::span<double> grad);
  int evaluations() const { return evaluations_; }

 private:
  // This worker's loss sum and gradient sum (into a zeroed P-long span) at the parameters.
  std::function<double(std::span<const double>, std::span<double>)> local_;
  double rows_ = 0;  // n, over every worker
  double l2_;
  const comm::Communicator& workers_;
  std::vector<std::uint8_t> mask_;
  std::vector<double> sums_;  // [loss, gradient...]
  int evaluations_ = 0;
};

}  // namespace psml::train
