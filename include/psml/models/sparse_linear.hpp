// The linear models (linreg, logreg, softmax, svm) on sparse (CSR) rows: the scores
// S = X Wᵀ + 1 bᵀ of linear_model.hpp computed from each row's non-zeros, under the same loss
// heads (loss_head.hpp). Parameters in the dense models' layout, W (outputs x features,
// row-major) then b (outputs): key c·F + j is output c's weight of feature j, key F·O + c its
// bias. A model trained on CSR rows and one trained on the same rows written densely have the
// same parameter vector, and their checkpoints go between them.
// A batch's keys: the sorted, unique columns U its rows touch, for each output in turn
// (c·F + j for j in U, c ascending: a sorted list), then the O biases. Weights and gradients are
// compact, one value per key in that order: a step computes on what its rows touch.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "psml/data/csr.hpp"
#include "psml/data/row_buffer.hpp"
#include "psml/models/loss_head.hpp"
#include "psml/models/model.hpp"
#include "psml/models/model_factory.hpp"

namespace psml::models {

template <class Scalar>
class SparseLinearModel {
 public:
  SparseLinearModel(std::string name, LossKind loss, std::int64_t features, std::int64_t outputs);

  const std::string& name() const { return name_; }
  std::int64_t outputs() const { return outputs_; }
  LossKind loss() const { return loss_; }
  std::int64_t num_keys() const { return (features_ + 1) * outputs_; }
  // The weight matrix's place in the full parameter vector.
  MatrixBlock matrix() const { return {0, outputs_, features_}; }

  // The keys the rows touch (the layout above).
  void keys_of(const data::CsrRows& x, std::span<const std::int64_t> rows,
               std::vector<std::int64_t>& keys) const;

  // Loss sum over the rows (their labels: the shard's classes or targets, indexed by row); grad
  // (one value per key) receives its gradient.
  double loss_and_gradient(const data::SparseShard& shard, std::span<const std::int64_t> rows,
                           std::span<const std::int64_t> keys, std::span<const Scalar> weights,
                           std::span<Scalar> grad);

  // The same on a full parameter vector (all num_keys() values): the keys' weights are read from
  // `params` and their gradient ADDED into the full-length `grad`, whose other keys are left as
  // they are.
  double add_loss_and_gradient(const data::SparseShard& shard, std::span<const std::int64_t> rows,
                               std::span<const std::int64_t> keys, std::span<const Scalar> params,
                               std::span<Scalar> grad);

  // The keys' values of a full parameter vector, compact, into `out`.
  static void gather(std::span<const std::int64_t> keys, std::span<const Scalar> params,
                     std::vector<Scalar>& out);

  EvalSums evaluate(const data::SparseShard& shard, std::span<const std::int64_t> rows,
                    std::span<const std::int64_t> keys, std::span<const Scalar> weights);

  // The rows' scores (rows x outputs), valid until the next call.
  data::ConstRowsMapT<Scalar> scores(const data::CsrRows& x, std::span<const std::int64_t> rows,
                                     std::span<const std::int64_t> keys,
                                     std::span<const Scalar> weights);

 private:
  data::BatchViewT<Scalar> labels_of(const data::SparseShard& shard,
                                     std::span<const std::int64_t> rows);

  std::string name_;
  LossKind loss_;
  std::int64_t features_, outputs_;
  std::vector<std::uint32_t> positions_;  // each non-zero's column's place in U
  std::vector<Scalar> weights_, grad_;    // add_loss_and_gradient: the keys' compact values
  data::RowBuffer<Scalar> scores_, scratch_;
  std::vector<std::int32_t> classes_;
  std::vector<Scalar> targets_;
  Scalar none_ = 0;  // what the batch views' empty feature matrix points at
};

// The sparse counterpart of make_model for the linear models; throws psml::Error for another
// model or data it does not fit (as make_model does).
template <class Scalar>
std::unique_ptr<SparseLinearModel<Scalar>> make_sparse_model(const ModelSpec& spec,
                                                             std::int64_t features, data::Task task,
                                                             std::int64_t num_classes);

}  // namespace psml::models
