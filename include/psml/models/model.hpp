// The model interface. A model owns no parameters: it computes with one flat vector of length
// num_params() that the caller owns, so allreduce, parameter-server key ranges, optimizers and
// checkpoints all work on spans of [0, P) without knowing the model. Models are templates on the
// scalar type: float to train, double to check gradients against finite differences.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "psml/core/matrix_block.hpp"
#include "psml/data/row_buffer.hpp"
#include "psml/data/shard.hpp"
#include "psml/models/gradient_listener.hpp"
#include "psml/models/loss_kind.hpp"

namespace psml::models {

// Sums over a block of rows, to be added across blocks and ranks before dividing by `rows`.
struct EvalSums {
  double loss = 0;
  double correct = 0;  // classification: rows predicted right; regression: unused
  double rows = 0;
  EvalSums& operator+=(const EvalSums& o) {
    loss += o.loss;
    correct += o.correct;
    rows += o.rows;
    return *this;
  }
};

template <class Scalar>
class ModelT {
 public:
  virtual ~ModelT() = default;

  virtual std::string name() const = 0;
  virtual std::size_t num_params() const = 0;
  virtual data::Task task() const = 0;
  // The loss on the output scores: what the scores mean (logits, margins, values).
  virtual LossKind loss() const = 0;

  // Fills params with the initial values; the same seed gives the same values on every rank.
  virtual void init_params(std::span<Scalar> params, std::uint64_t seed) const = 0;

  // Returns the SUM over the batch's rows of the per-row loss, and writes the gradient of that
  // sum into grad (overwritten). Sums, not means: ranks add their sums, and the trainer divides
  // by the global row count once. Regularisation is the optimizer's, not the model's.
  virtual double loss_and_gradient(std::span<const Scalar> params,
                                   const data::BatchViewT<Scalar>& batch,
                                   std::span<Scalar> grad) = 0;

  // The model's outputs for each row (rows x outputs): class scores, or the prediction itself
  // for regression. Valid until the next call.
  virtual data::ConstRowsMapT<Scalar> scores(std::span<const Scalar> params,
                                             const data::BatchViewT<Scalar>& batch) = 0;

  // The weight matrices in the parameter vector, in order (none for a model without layers).
  virtual std::vector<MatrixBlock> matrices() const { return {}; }

  // Sizes the workspaces for batches of up to `rows` rows: no later call with at most that many
  // rows allocates memory.
  virtual void reserve(Eigen::Index rows) = 0;

  // Who hears, during loss_and_gradient, which keys' gradient is final (none: nobody). Models with
  // layers report each layer as backprop finishes it; the others need not report at all.
  void set_gradient_listener(GradientListener* listener) { listener_ = listener; }

  // Loss and correct-prediction sums over the batch, without a gradient.
  virtual EvalSums evaluate(std::span<const Scalar> params,
                            const data::BatchViewT<Scalar>& batch) = 0;

 protected:
  GradientListener* listener_ = nullptr;
};

using Model = ModelT<float>;

}  // namespace psml::models
