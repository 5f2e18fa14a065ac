// What the training loop computes with on one worker: a model and this worker's shard of the
// training (and test) data. The loop (train/step_loop) is the same for every model and both kinds
// of data; only a learner and an exchange differ.
//
// Dense learners compute on all P keys, which the worker holds. Keyed learners compute on the keys
// their step's rows touch: the exchange pulls those keys' values first, and takes back one
// gradient value per key, so no worker ever holds a vector of all P keys.
#pragma once

#include <cstdint>
#include <span>
#include <variant>
#include <vector>

#include "psml/comm/communicator.hpp"
#include "psml/data/csr.hpp"
#include "psml/data/shard.hpp"
#include "psml/exchange/exchange.hpp"
#include "psml/models/model.hpp"

namespace psml::data {
class StreamingShard;
}

namespace psml::train {

// A step's selected rows: made only by Learner::select and taken by loss_and_gradient, so the
// order of the two calls is the types'. `keys`: the sorted, unique keys the rows touch (keyed
// learners; empty for dense ones), valid until the next select.
class Batch {
 public:
  std::int64_t rows() const { return rows_; }
  std::span<const std::int64_t> keys() const { return keys_; }

 private:
  friend class Learner;
  Batch(std::int64_t rows, std::span<const std::int64_t> keys) : rows_(rows), keys_(keys) {}
  std::int64_t rows_;
  std::span<const std::int64_t> keys_;
};

// The training rows a full-batch solver reads at once: dense or CSR (none while streamed).
using RowsInMemory = std::variant<std::monostate, const data::Shard*, const data::SparseShard*>;

class Learner {
 public:
  virtual ~Learner() = default;

  virtual std::int64_t num_keys() const = 0;
  // Which step protocol this learner speaks: keyed (exchange::KeyedExchange: a step computes on
  // the values of its keys alone) or dense (exchange::DenseExchange: on all P keys).
  virtual bool keyed() const = 0;
  virtual bool has_test() const = 0;

  // Dense: fills all P keys with the initial values (the same seed gives the same values on
  // every rank). Keyed learners start from zeros the exchange sets.
  virtual void init_params(std::span<float> params, std::uint64_t seed) const = 0;

  // The model's weight matrices in the parameter vector (MatrixBlock; none for sparse).
  virtual std::vector<MatrixBlock> matrices() const { return {}; }

  // Sizes every buffer for steps of up to `rows` rows, so that the steady state allocates nothing.
  virtual void reserve(std::int64_t rows) = 0;

  // Before the first step of each epoch.
  virtual void begin_epoch(std::int64_t /*epoch*/) {}

  // Who hears from backprop which keys' gradient is final (models::GradientListener).
  virtual void set_gradient_listener(models::GradientListener* listener) = 0;

  // Selects the step's rows (ids into this worker's shard; the vector must stay unchanged until
  // loss_and_gradient has run).
  virtual Batch select(const std::vector<std::int64_t>& rows) = 0;

  // The batch's loss sum; `grad` receives its gradient sum. `values` and `grad` hold all P keys
  // (dense) or one value per key of the batch (keyed).
  virtual double loss_and_gradient(const Batch& batch, std::span<const float> values,
                                   std::span<float> grad) = 0;

  // Loss and correct-prediction sums over every worker's test rows. Collective over `workers`;
  // keyed learners pull the keys they need through `keys` (dense ones take null).
  virtual models::EvalSums evaluate_test(std::span<const float> params,
                                         exchange::KeyedExchange* keys,
                                         const comm::Communicator& workers) = 0;

  // This worker's training rows in memory (not a streamed shard), summed over every worker as
  // evaluate_test: the full-batch solvers' final training loss. Collective over `workers`.
  virtual models::EvalSums evaluate_train(std::span<const float> params,
                                          exchange::KeyedExchange* keys,
                                          const comm::Communicator& workers) = 0;

  // The rows held out of the training file (--validation), if any: their sums, as evaluate_test.
  virtual bool has_validation() const { return false; }
  virtual models::EvalSums evaluate_validation(std::span<const float> /*params*/,
                                               exchange::KeyedExchange* /*keys*/,
                                               const comm::Communicator& /*workers*/) {
    return {};
  }

  // The training rows in memory, for the full-batch solvers (monostate while streamed).
  virtual RowsInMemory rows_in_memory() const = 0;
  // Streamed training rows (nullptr: all in memory).
  virtual const data::StreamingShard* stream() const { return nullptr; }

 protected:
  static Batch make_batch(std::int64_t rows, std::span<const std::int64_t> keys = {}) {
    return {rows, keys};
  }
};

}  // namespace psml::train
