#include "psml/models/mlp.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "psml/core/error.hpp"
#include "psml/core/rng.hpp"
#include "psml/core/trace.hpp"

namespace psml::models {

Activation parse_activation(const std::string& name) {
  if (name == "relu") return Activation::kRelu;
  if (name == "tanh") return Activation::kTanh;
  if (name == "sigmoid") return Activation::kSigmoid;
  throw error("--activation: unknown activation '", name, "' (relu, tanh, sigmoid)");
}

Init parse_init(const std::string& name, Activation activation) {
  if (name == "he") return Init::kHe;
  if (name == "xavier") return Init::kXavier;
  if (name == "auto") return activation == Activation::kRelu ? Init::kHe : Init::kXavier;
  throw error("--init: unknown initialisation '", name, "' (auto, he, xavier)");
}

template <class Scalar>
Mlp<Scalar>::Mlp(std::vector<Eigen::Index> sizes, Activation activation, LossKind loss, Init init)
    : activation_(activation), loss_(loss), init_(init) {
  if (sizes.size() < 2) throw error("an MLP needs input and output sizes");
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    if (sizes[l + 1] < 1) throw error("--hidden: layer sizes must be >= 1, got ", sizes[l + 1]);
    layers_.emplace_back(num_params_, sizes[l], sizes[l + 1]);
    num_params_ += layers_.back().num_params();
    if (l + 2 < sizes.size()) widest_hidden_ = std::max(widest_hidden_, sizes[l + 1]);
  }
  a_.resize(layers_.size() - 1);
}

template <class Scalar>
void Mlp<Scalar>::reserve(Eigen::Index rows) {
  for (std::size_t l = 0; l + 1 < layers_.size(); ++l) hidden(l, rows);
  scores_.reserve(rows, layers_.back().out());
  for (auto& d : deltas_) d.reserve(rows, widest_hidden_);
}

template <class Scalar>
data::Task Mlp<Scalar>::task() const {
  return loss_ == LossKind::kSquared && layers_.back().out() == 1 ? data::Task::kRegression
                                                                  : data::Task::kClassification;
}

template <class Scalar>
void Mlp<Scalar>::init_params(std::span<Scalar> params, std::uint64_t seed) const {
  std::fill(params.begin(), params.end(), Scalar(0));
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const auto& layer = layers_[l];
    // Drawn in double from a per-layer stream: float and double models start identically.
    auto rng = make_rng(seed, RngPurpose::kInit, l);
    const auto fan_in = static_cast<double>(layer.in()), fan_out = static_cast<double>(layer.out());
    std::normal_distribution<double> he(0.0, std::sqrt(2.0 / fan_in));
    const double limit = std::sqrt(6.0 / (fan_in + fan_out));
    std::uniform_real_distribution<double> xavier(-limit, limit);
    Scalar* w = params.data() + layer.offset();
    for (Eigen::Index i = 0; i < layer.in() * layer.out(); ++i)
      w[i] = static_cast<Scalar>(init_ == Init::kHe ? he(rng) : xavier(rng));
  }
}

template <class Scalar>
data::RowsMapT<Scalar> Mlp<Scalar>::forward(std::span<const Scalar> params,
                                            const data::BatchViewT<Scalar>& batch) {
  const Eigen::Index n = batch.rows();
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const trace::Scope span("forward", static_cast<int>(l) + 1);
    const bool last = l + 1 == layers_.size();
    auto out = last ? scores_.rows(n, layers_[l].out()) : hidden(l, n);
    if (l == 0)
      layers_[l].forward(params, batch.x, out);
    else
      layers_[l].forward(params, hidden(l - 1, n), out);
    if (last) return out;
    switch (activation_) {
      case Activation::kRelu:
        out = out.cwiseMax(Scalar(0));
        break;
      case Activation::kTanh:
        out = out.array().tanh();
        break;
      case Activation::kSigmoid:
        out = (Scalar(1) + (-out.array()).exp()).inverse();
        break;
    }
  }
  return scores_.rows(n, layers_.back().out());  // not reached: the last layer returns
}

template <class Scalar>
double Mlp<Scalar>::loss_and_gradient(std::span<const Scalar> params,
                                      const data::BatchViewT<Scalar>& batch,
                                      std::span<Scalar> grad) {
  const Eigen::Index n = batch.rows();
  auto s = forward(params, batch);
  const double loss = loss_and_delta(loss_, s, batch);
  // Δ_L is in scores_; each hidden layer's Δ goes to the buffer the previous one did not use.
  const Scalar* delta_values = s.data();
  for (std::size_t l = layers_.size(); l-- > 0;) {
    const trace::Scope span("backward", static_cast<int>(l) + 1);
    const data::ConstRowsMapT<Scalar> delta(delta_values, n, layers_[l].out());
    if (l == 0) {
      layers_[l].backward(delta, batch.x, grad, this->listener_);
      break;
    }
    const auto a = hidden(l - 1, n);
    layers_[l].backward(delta, a, grad, this->listener_);
    auto next = deltas_[l % 2].rows(n, layers_[l].in());
    layers_[l].input_gradient(params, delta, next, this->listener_);
    switch (activation_) {
      case Activation::kRelu:
        next = (a.array() > Scalar(0)).select(next, Scalar(0));
        break;
      case Activation::kTanh:
        next.array() *= Scalar(1) - a.array().square();
        break;
      case Activation::kSigmoid:
        next.array() *= a.array() * (Scalar(1) - a.array());
        break;
    }
    delta_values = next.data();
  }
  return loss;
}

template <class Scalar>
EvalSums Mlp<Scalar>::evaluate(std::span<const Scalar> params,
                               const data::BatchViewT<Scalar>& batch) {
  return evaluate_scores<Scalar>(loss_, data::as_const(forward(params, batch)), batch, scratch_);
}

template <class Scalar>
data::ConstRowsMapT<Scalar> Mlp<Scalar>::scores(std::span<const Scalar> params,
                                                const data::BatchViewT<Scalar>& batch) {
  return data::as_const(forward(params, batch));
}

template class Mlp<float>;
template class Mlp<double>;

}  // namespace psml::models
