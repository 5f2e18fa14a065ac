// Binary logistic regression (models::SparseLogisticRegression) on this worker's rows of a sparse
// (CSR) HDF5 file: each step computes on the keys its rows touch.
#pragma once

#include "psml/data/csr.hpp"
#include "psml/models/sparse_logreg.hpp"
#include "psml/train/learner.hpp"

namespace psml::train {

class SparseLearner final : public Learner {
 public:
  // `test` may be empty (has_test false).
  SparseLearner(data::SparseShard train, data::SparseShard test, bool has_test);

  std::int64_t num_keys() const override { return model_.num_keys(); }
  bool sparse() const override { return true; }
  bool has_test() const override { return has_test_; }
  void init_params(std::span<float>, std::uint64_t) const override {}
  // The key lists and the model's workspaces grow to the largest step and keep their capacity.
  void reserve(std::int64_t) override {}
  void set_gradient_listener(models::GradientListener*) override {}  // one gradient, at the end
  std::int64_t select(const std::vector<std::int64_t>& rows,
                      std::vector<std::int64_t>& keys) override;
  double loss_and_gradient(std::span<const float> values, std::span<float> grad) override;
  models::EvalSums evaluate_test(std::span<const float> params, exchange::Exchange& exchange,
                                 const comm::Communicator& workers) override;

 private:
  data::SparseShard train_, test_;
  bool has_test_;
  models::SparseLogisticRegression model_;
  // The selected rows and their keys: the loop's vectors, which outlive the step.
  std::span<const std::int64_t> rows_, keys_;
};

}  // namespace psml::train
