// The affine map shared by every model: outputs = X Wᵀ + 1 bᵀ, with W (out x in, row-major) and
// b (out) stored consecutively in the flat parameter vector from `offset`.
// Backward, given D = ∂L/∂outputs:  ∂L/∂W = Dᵀ X,  ∂L/∂b = Dᵀ 1,  ∂L/∂X = D W.
#pragma once

#include <cstddef>
#include <span>

#include "psml/data/shard.hpp"

namespace psml::models {

template <class Scalar>
class LinearLayer {
 public:
  using Matrix = data::RowMatrixT<Scalar>;
  using ConstMap = Eigen::Map<const Matrix>;

  LinearLayer(std::size_t offset, Eigen::Index in, Eigen::Index out)
      : offset_(offset), in_(in), out_(out) {}

  std::size_t num_params() const { return static_cast<std::size_t>(out_ * in_ + out_); }
  std::size_t offset() const { return offset_; }
  Eigen::Index in() const { return in_; }
  Eigen::Index out() const { return out_; }

  ConstMap weights(std::span<const Scalar> params) const {
    return ConstMap(params.data() + offset_, out_, in_);
  }

  template <class Input>
  void forward(std::span<const Scalar> params, const Input& x, Matrix& outputs) const {
    const Eigen::Map<const Eigen::Matrix<Scalar, 1, Eigen::Dynamic>> b(
        params.data() + offset_ + out_ * in_, out_);
    outputs.resize(x.rows(), out_);
    outputs.noalias() = x * weights(params).transpose();
    outputs.rowwise() += b;
  }

  // Writes ∂L/∂W and ∂L/∂b into grad at this layer's offset.
  template <class Input>
  void backward(const Matrix& delta, const Input& x, std::span<Scalar> grad) const {
    Eigen::Map<Matrix> dw(grad.data() + offset_, out_, in_);
    Eigen::Map<Eigen::Matrix<Scalar, 1, Eigen::Dynamic>> db(grad.data() + offset_ + out_ * in_,
                                                            out_);
    dw.noalias() = delta.transpose() * x;
    db = delta.colwise().sum();
  }

 private:
  std::size_t offset_;
  Eigen::Index in_;
  Eigen::Index out_;
};

}  // namespace psml::models
