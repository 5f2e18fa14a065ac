// What the training loop computes with on one worker: a model and this worker's shard of the
// training (and test) data. The loop (trainer.cpp) is the same for every model and both kinds of
// data; only a learner and an exchange differ.
//
// Dense learners compute on all P keys, which the worker holds. Sparse learners compute on the
// keys their step's rows touch: the exchange fetches those keys' values first, and takes back one
// gradient value per key, so no worker ever holds a vector of all P keys.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "psml/comm/communicator.hpp"
#include "psml/exchange/exchange.hpp"
#include "psml/models/model.hpp"

namespace psml::train {

class Learner {
 public:
  virtual ~Learner() = default;

  virtual std::int64_t num_keys() const = 0;
  virtual bool sparse() const = 0;
  virtual bool has_test() const = 0;

  // Dense: fills all P keys with the initial values (the same seed gives the same values on
  // every rank). Sparse learners start from zeros the servers set.
  virtual void init_params(std::span<float> params, std::uint64_t seed) const = 0;

  // The model's weight matrices in the parameter vector (MatrixBlock; none for sparse).
  virtual std::vector<MatrixBlock> matrices() const { return {}; }

  // Sizes every buffer for steps of up to `rows` rows, so that the steady state allocates nothing.
  virtual void reserve(std::int64_t rows) = 0;

  // Before the first step of each epoch.
  virtual void begin_epoch(std::int64_t /*epoch*/) {}

  // Who hears from backprop which keys' gradient is final (models::GradientListener).
  virtual void set_gradient_listener(models::GradientListener* listener) = 0;

  // Selects the step's rows (ids into this worker's shard); sparse learners write the sorted,
  // unique keys they touch into `keys` (dense: left empty). Returns the number of rows. Both
  // vectors must stay unchanged until loss_and_gradient has run.
  virtual std::int64_t select(const std::vector<std::int64_t>& rows,
                              std::vector<std::int64_t>& keys) = 0;

  // The selected rows' loss sum; `grad` receives its gradient sum. `values` and `grad` hold all
  // P keys (dense) or one value per selected key (sparse).
  virtual double loss_and_gradient(std::span<const float> values, std::span<float> grad) = 0;

  // Loss and correct-prediction sums over every worker's test rows. Collective over `workers`;
  // sparse learners fetch the keys they need through `exchange`.
  virtual models::EvalSums evaluate_test(std::span<const float> params,
                                         exchange::Exchange& exchange,
                                         const comm::Communicator& workers) = 0;

  // This worker's training rows in memory (not a streamed shard), summed over every worker as
  // evaluate_test: the full-batch solvers' final training loss. Collective over `workers`.
  virtual models::EvalSums evaluate_train(std::span<const float> params,
                                          exchange::Exchange& exchange,
                                          const comm::Communicator& workers) = 0;

  // The rows held out of the training file (--validation), if any: their sums, as evaluate_test.
  virtual bool has_validation() const { return false; }
  virtual models::EvalSums evaluate_validation(std::span<const float> /*params*/,
                                               exchange::Exchange& /*exchange*/,
                                               const comm::Communicator& /*workers*/) {
    return {};
  }
};

}  // namespace psml::train
