#include "psml/models/sparse_logreg.hpp"

#include <algorithm>
#include <cmath>

namespace psml::models {

void SparseLogisticRegression::keys_of(const data::CsrRows& x, std::span<const std::int64_t> rows,
                                       std::vector<std::int64_t>& keys) const {
  keys.clear();
  for (const auto r : rows) {
    const auto cols = x.columns(r);
    keys.insert(keys.end(), cols.begin(), cols.end());
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  keys.push_back(features_);  // the bias
}

void SparseLogisticRegression::scores(const data::CsrRows& x, std::span<const std::int64_t> rows,
                                      std::span<const std::int64_t> keys,
                                      std::span<const float> weights,
                                      std::vector<float>& out) const {
  const float bias = weights.back();
  out.assign(rows.size(), bias);
  positions_.clear();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto cols = x.columns(rows[i]);
    const auto vals = x.row_values(rows[i]);
    for (std::size_t j = 0; j < cols.size(); ++j) {
      const auto slot = static_cast<std::uint32_t>(
          std::lower_bound(keys.begin(), keys.end() - 1, cols[j]) - keys.begin());
      positions_.push_back(slot);
      out[i] += vals[j] * weights[slot];
    }
  }
}

double SparseLogisticRegression::loss_and_gradient(const data::CsrRows& x,
                                                   std::span<const std::int64_t> rows,
                                                   const Eigen::VectorXi& classes,
                                                   std::span<const std::int64_t> keys,
                                                   std::span<const float> weights,
                                                   std::span<float> grad) const {
  auto& s = scores_;
  scores(x, rows, keys, weights, s);
  std::fill(grad.begin(), grad.end(), 0.0f);
  double loss = 0;
  std::size_t value = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const float y = static_cast<float>(classes[rows[i]]);
    loss += std::max(s[i], 0.0f) + std::log1p(std::exp(-std::abs(s[i]))) - y * s[i];
    const float delta = 1.0f / (1.0f + std::exp(-s[i])) - y;
    for (const float v : x.row_values(rows[i])) grad[positions_[value++]] += delta * v;
    grad.back() += delta;
  }
  return loss;
}

EvalSums SparseLogisticRegression::evaluate(const data::CsrRows& x,
                                            std::span<const std::int64_t> rows,
                                            const Eigen::VectorXi& classes,
                                            std::span<const std::int64_t> keys,
                                            std::span<const float> weights) const {
  auto& s = scores_;
  scores(x, rows, keys, weights, s);
  EvalSums sums;
  sums.rows = static_cast<double>(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const float y = static_cast<float>(classes[rows[i]]);
    sums.loss += std::max(s[i], 0.0f) + std::log1p(std::exp(-std::abs(s[i]))) - y * s[i];
    sums.correct += (s[i] > 0 ? 1.0f : 0.0f) == y ? 1 : 0;
  }
  return sums;
}

}  // namespace psml::models
