// Multilayer perceptron: sizes D → h₁ → … → h_k → C, layers ℓ = 1..L with parameters W_ℓ, b_ℓ
// stored one after the other (see linear_layer.hpp).
// Forward:   A₀ = X,  Z_ℓ = A_{ℓ−1} W_ℓᵀ + 1 b_ℓᵀ,  A_ℓ = f(Z_ℓ) for hidden layers, S = Z_L.
// Loss:      a head on S (loss_head.hpp): softmax cross-entropy or squared error.
// Backward:  Δ_L = ∂L/∂S;  ∂L/∂W_ℓ = Δ_ℓᵀ A_{ℓ−1},  ∂L/∂b_ℓ = Δ_ℓᵀ 1,
//            Δ_{ℓ−1} = (Δ_ℓ W_ℓ) ⊙ f′(Z_{ℓ−1}), with f′ written in terms of A = f(Z):
//            ReLU: [A > 0],  tanh: 1 − A²,  sigmoid: A (1 − A).
// Initialisation: He, N(0, 2/fan_in) (default for ReLU), or Xavier, U(±√(6/(fan_in + fan_out)))
// (default for tanh and sigmoid); biases 0.
#pragma once

#include <string>
#include <vector>

#include "psml/models/linear_layer.hpp"
#include "psml/models/loss_head.hpp"
#include "psml/models/model.hpp"

namespace psml::models {

enum class Activation { kRelu, kTanh, kSigmoid };
enum class Init { kHe, kXavier };

Activation parse_activation(const std::string& name);
Init parse_init(const std::string& name, Activation activation);  // "auto": by activation

template <class Scalar>
class Mlp final : public ModelT<Scalar> {
 public:
  // sizes: inputs, hidden sizes..., outputs.
  Mlp(std::vector<Eigen::Index> sizes, Activation activation, LossKind loss, Init init);

  std::string name() const override { return "mlp"; }
  std::size_t num_params() const override { return num_params_; }
  std::vector<MatrixBlock> matrices() const override {
    std::vector<MatrixBlock> blocks;
    for (const auto& layer : layers_) blocks.push_back(layer.matrix());
    return blocks;
  }
  data::Task task() const override;
  LossKind loss() const override { return loss_; }
  void init_params(std::span<Scalar> params, std::uint64_t seed) const override;
  double loss_and_gradient(std::span<const Scalar> params, const data::BatchViewT<Scalar>& batch,
                           std::span<Scalar> grad) override;
  EvalSums evaluate(std::span<const Scalar> params, const data::BatchViewT<Scalar>& batch) override;
  data::ConstRowsMapT<Scalar> scores(std::span<const Scalar> params,
                                     const data::BatchViewT<Scalar>& batch) override;
  void reserve(Eigen::Index rows) override;

  const std::vector<LinearLayer<Scalar>>& layers() const { return layers_; }

 private:
  // Leaves the hidden activations in a_ and returns the output scores S (in scores_).
  data::RowsMapT<Scalar> forward(std::span<const Scalar> params,
                                 const data::BatchViewT<Scalar>& batch);
  // A_{ℓ+1} of a batch of `rows` rows: the output of hidden layer ℓ (0-based).
  data::RowsMapT<Scalar> hidden(std::size_t l, Eigen::Index rows) {
    return a_[l].rows(rows, layers_[l].out());
  }

  Activation activation_;
  LossKind loss_;
  Init init_;
  std::vector<LinearLayer<Scalar>> layers_;
  std::size_t num_params_ = 0;
  Eigen::Index widest_hidden_ = 0;
  std::vector<data::RowBuffer<Scalar>> a_;    // hidden activations A_1..A_{L-1}
  data::RowBuffer<Scalar> scores_, scratch_;  // S, then Δ_L; evaluation's copy of S
  data::RowBuffer<Scalar> deltas_[2];         // backward: Δ_ℓ of the hidden layers, in turn
};

}  // namespace psml::models
