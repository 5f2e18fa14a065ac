// A linear model (models::SparseLinearModel) on this worker's rows of a sparse (CSR) HDF5 file:
// each step computes on the keys its rows touch.
//   keyed view (parameter servers, the gather): the exchange pulls those keys' values and takes
//     one gradient value per key (exchange::KeyedExchange); no worker holds all P keys.
//   dense view (allreduce): the worker holds all P keys, as a dense learner does; a step gathers
//     its keys' values from them and scatters its compact gradient into a zeroed P-long gradient
//     that the allreduce sums. Its parameters, checkpoints and optimizers are the dense run's:
//     the same rows written densely train to the same parameters.
#pragma once

#include <memory>

#include "psml/data/csr.hpp"
#include "psml/models/sparse_linear.hpp"
#include "psml/train/learner.hpp"

namespace psml::train {

class SparseLearner final : public Learner {
 public:
  // `test` may be empty (has_test false).
  SparseLearner(std::unique_ptr<models::SparseLinearModel<float>> model, data::SparseShard train,
                data::SparseShard test, bool has_test, bool dense_view);

  std::int64_t num_keys() const override { return model_->num_keys(); }
  bool keyed() const override { return !dense_view_; }
  bool has_test() const override { return has_test_; }
  // Zeros (keyed view: the exchange sets them).
  void init_params(std::span<float> params, std::uint64_t) const override;
  std::vector<MatrixBlock> matrices() const override {
    return dense_view_ ? std::vector<MatrixBlock>{model_->matrix()} : std::vector<MatrixBlock>{};
  }
  // The key lists and the model's workspaces grow to the largest step and keep their capacity.
  void reserve(std::int64_t) override {}
  void set_gradient_listener(models::GradientListener*) override {}  // one gradient, at the end
  Batch select(const std::vector<std::int64_t>& rows) override;
  double loss_and_gradient(const Batch& batch, std::span<const float> values,
                           std::span<float> grad) override;
  models::EvalSums evaluate_test(std::span<const float> params, exchange::KeyedExchange* keys,
                                 const comm::Communicator& workers) override {
    return evaluate(test_, params, keys, workers);
  }
  models::EvalSums evaluate_train(std::span<const float> params, exchange::KeyedExchange* keys,
                                  const comm::Communicator& workers) override {
    return evaluate(train_, params, keys, workers);
  }
  void set_validation(data::SparseShard validation) {
    validation_ = std::move(validation);
    has_validation_ = true;
  }
  bool has_validation() const override { return has_validation_; }
  models::EvalSums evaluate_validation(std::span<const float> params, exchange::KeyedExchange* keys,
                                       const comm::Communicator& workers) override {
    return evaluate(validation_, params, keys, workers);
  }

  RowsInMemory rows_in_memory() const override { return &train_; }

 private:
  models::EvalSums evaluate(const data::SparseShard& rows, std::span<const float> params,
                            exchange::KeyedExchange* keyed, const comm::Communicator& workers);

  std::unique_ptr<models::SparseLinearModel<float>> model_;
  data::SparseShard train_, test_, validation_;
  bool has_test_, dense_view_, has_validation_ = false;
  // The selected rows (the loop's vector, which outlives the step) and their keys.
  std::span<const std::int64_t> rows_;
  std::vector<std::int64_t> keys_;
};

}  // namespace psml::train
