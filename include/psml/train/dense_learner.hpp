// A dense model (models::Model) on this worker's rows of a dense HDF5 file.
#pragma once

#include <memory>
#include <optional>

#include "psml/data/batch_buffer.hpp"
#include "psml/data/shard.hpp"
#include "psml/data/streaming_shard.hpp"
#include "psml/models/model.hpp"
#include "psml/train/learner.hpp"

namespace psml::train {

class DenseLearner final : public Learner {
 public:
  // `test` may be empty (has_test false). `stream`: the training rows are streamed from the file
  // (then `train` is empty).
  DenseLearner(std::unique_ptr<models::Model> model, data::Shard train, data::Shard test,
               bool has_test, std::unique_ptr<data::StreamingShard> stream = nullptr);

  std::int64_t num_keys() const override { return static_cast<std::int64_t>(model_->num_params()); }
  bool keyed() const override { return false; }
  bool has_test() const override { return has_test_; }
  void init_params(std::span<float> params, std::uint64_t seed) const override {
    model_->init_params(params, seed);
  }
  std::vector<MatrixBlock> matrices() const override { return model_->matrices(); }
  void reserve(std::int64_t rows) override;
  void begin_epoch(std::int64_t epoch) override {
    if (stream_) stream_->begin_epoch(epoch);
  }
  const data::StreamingShard* stream() const override { return stream_.get(); }
  void set_gradient_listener(models::GradientListener* listener) override {
    model_->set_gradient_listener(listener);
  }
  Batch select(const std::vector<std::int64_t>& rows) override;
  double loss_and_gradient(const Batch& batch, std::span<const float> values,
                           std::span<float> grad) override;
  models::EvalSums evaluate_test(std::span<const float> params, exchange::KeyedExchange* keys,
                                 const comm::Communicator& workers) override;
  models::EvalSums evaluate_train(std::span<const float> params, exchange::KeyedExchange* keys,
                                  const comm::Communicator& workers) override;
  void set_validation(data::Shard validation) {
    validation_ = std::move(validation);
    has_validation_ = true;
  }
  bool has_validation() const override { return has_validation_; }
  models::EvalSums evaluate_validation(std::span<const float> params, exchange::KeyedExchange* keys,
                                       const comm::Communicator& workers) override;

  RowsInMemory rows_in_memory() const override {
    if (stream_) return std::monostate{};
    return &train_;
  }

 private:
  std::unique_ptr<models::Model> model_;
  data::Shard train_, test_, validation_;
  bool has_test_, has_validation_ = false;
  std::unique_ptr<data::StreamingShard> stream_;
  data::BatchBuffer buffer_;
  std::optional<data::BatchView> batch_;  // the selected rows
};

}  // namespace psml::train
