#include "psml/train/sparse_learner.hpp"

#include <algorithm>

#include "psml/data/row_blocks.hpp"

namespace psml::train {

SparseLearner::SparseLearner(std::unique_ptr<models::SparseLinearModel<float>> model,
                             data::SparseShard train, data::SparseShard test, bool has_test,
                             bool dense_view)
    : model_(std::move(model)),
      train_(std::move(train)),
      test_(std::move(test)),
      has_test_(has_test),
      dense_view_(dense_view) {}

void SparseLearner::init_params(std::span<float> params, std::uint64_t) const {
  std::fill(params.begin(), params.end(), 0.0f);
}

Batch SparseLearner::select(const std::vector<std::int64_t>& rows) {
  rows_ = rows;
  model_->keys_of(train_.x, rows, keys_);
  const auto count = static_cast<std::int64_t>(rows_.size());
  return dense_view_ ? make_batch(count) : make_batch(count, keys_);
}

double SparseLearner::loss_and_gradient(const Batch&, std::span<const float> values,
                                        std::span<float> grad) {
  if (!dense_view_) return model_->loss_and_gradient(train_, rows_, keys_, values, grad);
  std::fill(grad.begin(), grad.end(), 0.0f);
  return model_->add_loss_and_gradient(train_, rows_, keys_, values, grad);
}

models::EvalSums SparseLearner::evaluate(const data::SparseShard& shard,
                                         std::span<const float> params,
                                         exchange::KeyedExchange* keyed,
                                         const comm::Communicator& workers) {
  // Block by block, each block's keys pulled (keyed view) or read from params (dense view).
  // Every worker takes the same number of blocks, so that bsp pulls stay in step.
  models::EvalSums local;
  std::vector<std::int64_t> rows, keys;
  std::vector<float> weights;
  const std::int64_t blocks = workers.allreduce(
      (shard.x.rows() + data::kRowBlock - 1) / data::kRowBlock, comm::ReduceOp::kMax);
  for (std::int64_t b = 0; b < blocks; ++b) {
    rows.clear();
    for (std::int64_t r = b * data::kRowBlock;
         r < std::min(shard.x.rows(), (b + 1) * data::kRowBlock); ++r)
      rows.push_back(r);
    model_->keys_of(shard.x, rows, keys);
    if (dense_view_) {
      models::SparseLinearModel<float>::gather(keys, params, weights);
    } else {
      weights.resize(keys.size());
      keyed->pull(keys, weights);
    }
    if (!rows.empty()) local += model_->evaluate(shard, rows, keys, weights);
  }
  double sums[3] = {local.loss, local.correct, local.rows};
  workers.allreduce(std::span<double>(sums));
  return {sums[0], sums[1], sums[2]};
}

}  // namespace psml::train
