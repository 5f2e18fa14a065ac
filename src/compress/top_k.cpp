#include "psml/compress/top_k.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "psml/core/error.hpp"

namespace psml::compress {

TopK::TopK(std::size_t n, double ratio)
    : k_(std::clamp<std::size_t>(
          static_cast<std::size_t>(std::ceil(ratio * static_cast<double>(n))), 1,
          std::max<std::size_t>(n, 1))),
      residual_(n, 0.0f),
      order_(n) {
  if (n > std::size_t{0xffffffff}) throw error("topk: more than 2^32 values in one vector");
}

void TopK::encode(std::span<const float> grad, std::span<std::uint32_t> indices,
                  std::span<float> values) {
  PSML_CHECK_EQ(grad.size(), residual_.size(), "topk encoding");
  PSML_CHECK_EQ(indices.size(), k_, "topk indices");
  PSML_CHECK_EQ(values.size(), k_, "topk values");
  for (std::size_t i = 0; i < grad.size(); ++i) residual_[i] += grad[i];
  std::iota(order_.begin(), order_.end(), 0u);
  const auto larger = [this](std::uint32_t a, std::uint32_t b) {
    return std::abs(residual_[a]) > std::abs(residual_[b]);
  };
  std::nth_element(order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(k_ - 1),
                   order_.end(), larger);
  std::sort(order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(k_));
  for (std::size_t j = 0; j < k_; ++j) {
    const auto i = order_[j];
    indices[j] = i;
    values[j] = residual_[i];
    residual_[i] = 0.0f;  // sent
  }
}

void add_sparse(std::span<const std::uint32_t> indices, std::span<const float> values,
                std::span<float> sum) {
  PSML_CHECK_EQ(indices.size(), values.size(), "sparse values");
  for (std::size_t j = 0; j < indices.size(); ++j) {
    if (indices[j] >= sum.size())
      throw error("topk: index ", indices[j], " past the ", sum.size(), " values");
    sum[indices[j]] += values[j];
  }
}

}  // namespace psml::compress
