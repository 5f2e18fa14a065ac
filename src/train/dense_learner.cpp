#include "psml/train/dense_learner.hpp"

#include <algorithm>

#include "psml/train/evaluate.hpp"

namespace psml::train {

DenseLearner::DenseLearner(std::unique_ptr<models::Model> model, data::Shard train,
                           data::Shard test, bool has_test,
                           std::unique_ptr<data::StreamingShard> stream)
    : model_(std::move(model)),
      train_(std::move(train)),
      test_(std::move(test)),
      has_test_(has_test),
      stream_(std::move(stream)) {}

void DenseLearner::reserve(std::int64_t rows) {
  buffer_.reserve(rows, stream_ ? stream_->features() : train_.x.cols());
  model_->reserve(rows);
}

Batch DenseLearner::select(const std::vector<std::int64_t>& rows) {
  batch_.emplace(stream_ ? stream_->gather(rows, buffer_) : buffer_.gather(train_, rows));
  return make_batch(batch_->rows());
}

double DenseLearner::loss_and_gradient(const Batch&, std::span<const float> values,
                                       std::span<float> grad) {
  if (batch_->rows() > 0) return model_->loss_and_gradient(values, *batch_, grad);
  std::fill(grad.begin(), grad.end(), 0.0f);  // an empty share of the global batch
  return 0;
}

models::EvalSums DenseLearner::evaluate_test(std::span<const float> params,
                                             exchange::KeyedExchange*,
                                             const comm::Communicator& workers) {
  return evaluate_distributed(*model_, params, test_, workers);
}

models::EvalSums DenseLearner::evaluate_train(std::span<const float> params,
                                              exchange::KeyedExchange*,
                                              const comm::Communicator& workers) {
  return evaluate_distributed(*model_, params, train_, workers);
}

models::EvalSums DenseLearner::evaluate_validation(std::span<const float> params,
                                                   exchange::KeyedExchange*,
                                                   const comm::Communicator& workers) {
  return evaluate_distributed(*model_, params, validation_, workers);
}

}  // namespace psml::train
