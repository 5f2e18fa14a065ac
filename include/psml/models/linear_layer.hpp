// The affine map shared by every model: outputs = X Wᵀ + 1 bᵀ, with W (out x in, row-major) and
// b (out) stored consecutively in the flat parameter vector from `offset`.
// Backward, given D = ∂L/∂outputs:  ∂L/∂W = Dᵀ X,  ∂L/∂b = Dᵀ 1,  ∂L/∂X = D W.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>

#include "psml/core/matrix_block.hpp"
#include "psml/data/shard.hpp"
#include "psml/models/gradient_listener.hpp"

namespace psml::models {

template <class Scalar>
class LinearLayer {
 public:
  using Matrix = data::RowMatrixT<Scalar>;
  using ConstMap = Eigen::Map<const Matrix>;
  using Row = Eigen::Matrix<Scalar, 1, Eigen::Dynamic>;

  LinearLayer(std::size_t offset, Eigen::Index in, Eigen::Index out)
      : offset_(offset), in_(in), out_(out) {}

  std::size_t num_params() const { return static_cast<std::size_t>(out_ * in_ + out_); }
  std::size_t offset() const { return offset_; }
  Eigen::Index in() const { return in_; }
  Eigen::Index out() const { return out_; }
  // W's place in the parameter vector.
  MatrixBlock matrix() const { return {offset_, out_, in_}; }

  ConstMap weights(std::span<const Scalar> params) const {
    return ConstMap(params.data() + offset_, out_, in_);
  }
  Eigen::Map<const Row> bias(std::span<const Scalar> params) const {
    return Eigen::Map<const Row>(params.data() + offset_ + out_ * in_, out_);
  }

  // outputs (x.rows() x out) = x Wᵀ + 1 bᵀ. The bias is written first and the product added
  // onto it by the matrix product itself: no separate pass over the outputs.
  template <class Input, class Output>
  void forward(std::span<const Scalar> params, const Input& x, Output&& outputs) const {
    outputs.rowwise() = bias(params);
    outputs.noalias() += x * weights(params).transpose();
  }

  // Writes ∂L/∂W and ∂L/∂b into grad at this layer's offset. With a listener, the product is
  // computed in pieces of rows of ∂L/∂W with a progress() between them, and the layer's keys are
  // reported ready at the end.
  template <class Delta, class Input>
  void backward(const Delta& delta, const Input& x, std::span<Scalar> grad,
                GradientListener* listener = nullptr) const {
    Eigen::Map<Matrix> dw(grad.data() + offset_, out_, in_);
    Eigen::Map<Row> db(grad.data() + offset_ + out_ * in_, out_);
    db = delta.colwise().sum();
    if (!listener || !listener->in_flight()) {
      dw.noalias() = delta.transpose() * x;
      if (listener) listener->ready(offset_, num_params());
      return;
    }
    const Eigen::Index piece = rows_per_piece(delta.rows(), in_);
    for (Eigen::Index r = 0; r < out_; r += piece) {
      const Eigen::Index n = std::min(piece, out_ - r);
      dw.middleRows(r, n).noalias() = delta.middleCols(r, n).transpose() * x;
      listener->progress();
    }
    listener->ready(offset_, num_params());
  }

  // The input gradient ∂L/∂X = Δ W into `out`, in pieces of rows with a progress() between them
  // when there is a listener.
  template <class Delta, class Output>
  void input_gradient(std::span<const Scalar> params, const Delta& delta, Output&& out,
                      GradientListener* listener = nullptr) const {
    if (!listener || !listener->in_flight()) {
      out.noalias() = delta * weights(params);
      return;
    }
    const Eigen::Index piece = rows_per_piece(out_, in_);
    for (Eigen::Index r = 0; r < delta.rows(); r += piece) {
      const Eigen::Index n = std::min(piece, delta.rows() - r);
      out.middleRows(r, n).noalias() = delta.middleRows(r, n) * weights(params);
      listener->progress();
    }
  }

 private:
  // Rows of a product with `inner` x `cols` work per row, per piece: about 2 MFLOP (some tens of
  // microseconds) between two chances for communication to progress, in multiples of 16 rows.
  static Eigen::Index rows_per_piece(Eigen::Index inner, Eigen::Index cols) {
    constexpr double kPieceFlops = 2e6;
    const double per_row = 2.0 * static_cast<double>(std::max<Eigen::Index>(inner * cols, 1));
    return std::max<Eigen::Index>(16, static_cast<Eigen::Index>(kPieceFlops / per_row) / 16 * 16);
  }

  std::size_t offset_;
  Eigen::Index in_;
  Eigen::Index out_;
};

}  // namespace psml::models
