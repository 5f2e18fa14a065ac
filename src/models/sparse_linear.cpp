#include "psml/models/sparse_linear.hpp"

#include <algorithm>

#include "psml/core/error.hpp"
#include "psml/models/linear_model.hpp"

namespace psml::models {

template <class Scalar>
SparseLinearModel<Scalar>::SparseLinearModel(std::string name, LossKind loss, std::int64_t features,
                                             std::int64_t outputs)
    : name_(std::move(name)), loss_(loss), features_(features), outputs_(outputs) {}

template <class Scalar>
void SparseLinearModel<Scalar>::keys_of(const data::CsrRows& x, std::span<const std::int64_t> rows,
                                        std::vector<std::int64_t>& keys) const {
  keys.clear();
  for (const auto r : rows) {
    const auto cols = x.columns(r);
    keys.insert(keys.end(), cols.begin(), cols.end());
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  const auto u = keys.size();
  keys.resize(u * static_cast<std::size_t>(outputs_) + static_cast<std::size_t>(outputs_));
  for (std::int64_t c = outputs_ - 1; c >= 0; --c)  // from the last block: block 0 is U itself
    for (std::size_t k = 0; k < u; ++k)
      keys[static_cast<std::size_t>(c) * u + k] = c * features_ + keys[k];
  for (std::int64_t c = 0; c < outputs_; ++c)
    keys[u * static_cast<std::size_t>(outputs_) + static_cast<std::size_t>(c)] =
        features_ * outputs_ + c;
}

template <class Scalar>
data::ConstRowsMapT<Scalar> SparseLinearModel<Scalar>::scores(const data::CsrRows& x,
                                                              std::span<const std::int64_t> rows,
                                                              std::span<const std::int64_t> keys,
                                                              std::span<const Scalar> weights) {
  const auto o = static_cast<std::size_t>(outputs_);
  const std::size_t u = keys.size() / o - 1;
  const auto columns = keys.first(u);  // block 0: c = 0, key = j
  auto s = scores_.rows(static_cast<Eigen::Index>(rows.size()), outputs_);
  for (std::size_t c = 0; c < o; ++c)
    s.col(static_cast<Eigen::Index>(c)).setConstant(weights[u * o + c]);
  positions_.clear();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto cols = x.columns(rows[i]);
    const auto vals = x.row_values(rows[i]);
    for (std::size_t k = 0; k < cols.size(); ++k) {
      const auto p = static_cast<std::uint32_t>(
          std::lower_bound(columns.begin(), columns.end(), cols[k]) - columns.begin());
      positions_.push_back(p);
      for (std::size_t c = 0; c < o; ++c)
        s(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(c)) +=
            static_cast<Scalar>(vals[k]) * weights[c * u + p];
    }
  }
  return data::as_const(s);
}

template <class Scalar>
data::BatchViewT<Scalar> SparseLinearModel<Scalar>::labels_of(const data::SparseShard& shard,
                                                              std::span<const std::int64_t> rows) {
  classes_.clear();
  targets_.clear();
  for (const auto r : rows) {
    if (shard.classes.size()) classes_.push_back(shard.classes[r]);
    if (shard.targets.size()) targets_.push_back(static_cast<Scalar>(shard.targets[r]));
  }
  return {{&none_, static_cast<Eigen::Index>(rows.size()), 0}, classes_, targets_};
}

template <class Scalar>
double SparseLinearModel<Scalar>::loss_and_gradient(const data::SparseShard& shard,
                                                    std::span<const std::int64_t> rows,
                                                    std::span<const std::int64_t> keys,
                                                    std::span<const Scalar> weights,
                                                    std::span<Scalar> grad) {
  scores(shard.x, rows, keys, weights);
  auto delta = scores_.rows(static_cast<Eigen::Index>(rows.size()), outputs_);
  const double loss = loss_and_delta(loss_, delta, labels_of(shard, rows));
  const auto o = static_cast<std::size_t>(outputs_);
  const std::size_t u = keys.size() / o - 1;
  std::fill(grad.begin(), grad.end(), Scalar(0));
  std::size_t nz = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto d = delta.row(static_cast<Eigen::Index>(i));
    for (const float v : shard.x.row_values(rows[i])) {
      const auto p = positions_[nz++];
      for (std::size_t c = 0; c < o; ++c)
        grad[c * u + p] += d(static_cast<Eigen::Index>(c)) * static_cast<Scalar>(v);
    }
    for (std::size_t c = 0; c < o; ++c) grad[u * o + c] += d(static_cast<Eigen::Index>(c));
  }
  return loss;
}

template <class Scalar>
double SparseLinearModel<Scalar>::add_loss_and_gradient(const data::SparseShard& shard,
                                                        std::span<const std::int64_t> rows,
                                                        std::span<const std::int64_t> keys,
                                                        std::span<const Scalar> params,
                                                        std::span<Scalar> grad) {
  gather(keys, params, weights_);
  grad_.resize(keys.size());
  const double loss = loss_and_gradient(shard, rows, keys, weights_, grad_);
  for (std::size_t k = 0; k < keys.size(); ++k) grad[static_cast<std::size_t>(keys[k])] += grad_[k];
  return loss;
}

template <class Scalar>
void SparseLinearModel<Scalar>::gather(std::span<const std::int64_t> keys,
                                       std::span<const Scalar> params, std::vector<Scalar>& out) {
  out.resize(keys.size());
  for (std::size_t k = 0; k < keys.size(); ++k) out[k] = params[static_cast<std::size_t>(keys[k])];
}

template <class Scalar>
EvalSums SparseLinearModel<Scalar>::evaluate(const data::SparseShard& shard,
                                             std::span<const std::int64_t> rows,
                                             std::span<const std::int64_t> keys,
                                             std::span<const Scalar> weights) {
  const auto s = scores(shard.x, rows, keys, weights);
  return evaluate_scores<Scalar>(loss_, s, labels_of(shard, rows), scratch_);
}

template <class Scalar>
std::unique_ptr<SparseLinearModel<Scalar>> make_sparse_model(const ModelSpec& spec,
                                                             std::int64_t features, data::Task task,
                                                             std::int64_t num_classes) {
  if (!is_linear_model(spec.name))
    throw error("sparse (CSR) data trains the linear models (linreg, logreg, softmax, svm), not ",
                spec.name);
  // The dense factory checks the task, the classes and the loss, and gives the loss head.
  const auto dense = make_model<double>(spec, 1, task, num_classes, 0);
  const auto& linear = dynamic_cast<const LinearModel<double>&>(*dense);
  return std::make_unique<SparseLinearModel<Scalar>>(spec.name, linear.loss(), features,
                                                     linear.outputs());
}

template class SparseLinearModel<float>;
template class SparseLinearModel<double>;
template std::unique_ptr<SparseLinearModel<float>> make_sparse_model(const ModelSpec&, std::int64_t,
                                                                     data::Task, std::int64_t);
template std::unique_ptr<SparseLinearModel<double>> make_sparse_model(const ModelSpec&,
                                                                      std::int64_t, data::Task,
                                                                      std::int64_t);

}  // namespace psml::models
