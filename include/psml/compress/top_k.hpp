// Top-k sparsification with error feedback (Stich et al. 2018; Lin et al. 2018): each step a worker
// adds its residual, what earlier steps did not send, to its gradient, sends the k values of the
// largest magnitude with their indices, and keeps the others as the next residual. No value is
// lost, only delayed: over any number of steps, what was sent plus the residual is exactly the
// sum of the gradients (up to float rounding).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace psml::compress {

class TopK {
 public:
  // k = ceil(ratio x n), at least 1. Allocates once.
  TopK(std::size_t n, double ratio);

  std::size_t k() const { return k_; }
  // From grad + residual: the k largest magnitudes into `indices` (ascending) and `values` (k
  // each); the residual keeps the rest.
  void encode(std::span<const float> grad, std::span<std::uint32_t> indices,
              std::span<float> values);
  std::span<const float> residual() const { return residual_; }

 private:
  std::size_t k_;
  std::vector<float> residual_;       // becomes grad + residual during encode
  std::vector<std::uint32_t> order_;  // scratch: positions, partially sorted
};

// sum[indices[i]] += values[i]: what a receiver does with each worker's top-k.
void add_sparse(std::span<const std::uint32_t> indices, std::span<const float> values,
                std::span<float> sum);

}  // namespace psml::compress
