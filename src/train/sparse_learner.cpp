#include "psml/train/sparse_learner.hpp"

#include <algorithm>

namespace psml::train {

SparseLearner::SparseLearner(data::SparseShard train, data::SparseShard test, bool has_test)
    : train_(std::move(train)),
      test_(std::move(test)),
      has_test_(has_test),
      model_(train_.info.features) {}

std::int64_t SparseLearner::select(const std::vector<std::int64_t>& rows,
                                   std::vector<std::int64_t>& keys) {
  rows_ = rows;
  model_.keys_of(train_.x, rows, keys);
  keys_ = keys;
  return static_cast<std::int64_t>(rows_.size());
}

double SparseLearner::loss_and_gradient(std::span<const float> values, std::span<float> grad) {
  return model_.loss_and_gradient(train_.x, rows_, train_.classes, keys_, values, grad);
}

models::EvalSums SparseLearner::evaluate_test(std::span<const float>, exchange::Exchange& exchange,
                                              const comm::Communicator& workers) {
  // Block by block, pulling each block's keys. Every worker takes the same number of blocks, so
  // that bsp pulls stay in step.
  constexpr std::int64_t kBlock = 4096;
  models::EvalSums local;
  std::vector<std::int64_t> rows, keys;
  std::vector<float> weights;
  const std::int64_t blocks =
      workers.allreduce((test_.x.rows() + kBlock - 1) / kBlock, comm::ReduceOp::kMax);
  for (std::int64_t b = 0; b < blocks; ++b) {
    rows.clear();
    for (std::int64_t r = b * kBlock; r < std::min(test_.x.rows(), (b + 1) * kBlock); ++r)
      rows.push_back(r);
    model_.keys_of(test_.x, rows, keys);
    weights.resize(keys.size());
    exchange.fetch(keys, weights);
    local += model_.evaluate(test_.x, rows, test_.classes, keys, weights);
  }
  double sums[3] = {local.loss, local.correct, local.rows};
  workers.allreduce(std::span<double>(sums));
  return {sums[0], sums[1], sums[2]};
}

}  // namespace psml::train
