// A learner whose model's forward and backward passes are charged to the simulated host instead
// of run (the simulation build, --compute-seconds-per-row): S seconds per row of the step, a
// figure calibrated on real hardware. Everything else is the wrapped learner's: the rows it
// selects, the keys they touch, the parameters it starts from; the gradient it hands the exchange
// is zeros, of the real size, so every byte a real step moves is moved.
#pragma once

#include <memory>

#include "psml/train/learner.hpp"

namespace psml::train {

class ChargedLearner final : public Learner {
 public:
  ChargedLearner(std::unique_ptr<Learner> inner, double seconds_per_row)
      : inner_(std::move(inner)), seconds_per_row_(seconds_per_row) {}

  std::int64_t num_keys() const override { return inner_->num_keys(); }
  bool keyed() const override { return inner_->keyed(); }
  bool has_test() const override { return inner_->has_test(); }
  void init_params(std::span<float> params, std::uint64_t seed) const override {
    inner_->init_params(params, seed);
  }
  std::vector<MatrixBlock> matrices() const override { return inner_->matrices(); }
  void reserve(std::int64_t rows) override { inner_->reserve(rows); }
  void begin_epoch(std::int64_t epoch) override { inner_->begin_epoch(epoch); }
  // Nobody hears of keys becoming final: the pass is charged at once, the exchange starts after.
  void set_gradient_listener(models::GradientListener*) override {}
  Batch select(const std::vector<std::int64_t>& rows) override { return inner_->select(rows); }
  double loss_and_gradient(const Batch& batch, std::span<const float> values,
                           std::span<float> grad) override;
  models::EvalSums evaluate_test(std::span<const float> params, exchange::KeyedExchange* keys,
                                 const comm::Communicator& workers) override {
    return inner_->evaluate_test(params, keys, workers);
  }
  models::EvalSums evaluate_train(std::span<const float> params, exchange::KeyedExchange* keys,
                                  const comm::Communicator& workers) override {
    return inner_->evaluate_train(params, keys, workers);
  }
  bool has_validation() const override { return inner_->has_validation(); }
  RowsInMemory rows_in_memory() const override { return inner_->rows_in_memory(); }
  const data::StreamingShard* stream() const override { return inner_->stream(); }
  models::EvalSums evaluate_validation(std::span<const float> params, exchange::KeyedExchange* keys,
                                       const comm::Communicator& workers) override {
    return inner_->evaluate_validation(params, keys, workers);
  }

 private:
  std::unique_ptr<Learner> inner_;
  double seconds_per_row_;
};

}  // namespace psml::train
