// Where a weight matrix lies in a model's flat parameter vector: `rows` x `cols` values, row-major,
// from `offset`. Models with layers list theirs (models::ModelT::matrices) for exchanges that treat
// matrix-shaped gradients apart, such as PowerSGD's low-rank factors (compress/power_sgd.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace psml {

struct MatrixBlock {
  std::size_t offset = 0;
  std::int64_t rows = 0;
  std::int64_t cols = 0;

  std::size_t size() const { return static_cast<std::size_t>(rows * cols); }
  bool operator==(const MatrixBlock&) const = default;
};

// The whole rows of `matrices` that lie in keys [first, first + count), as matrices of their own
// with offsets from `first` (a parameter server's range cuts a matrix between rows, or inside one:
// the partial rows are left out).
std::vector<MatrixBlock> matrices_within(std::span<const MatrixBlock> matrices, std::size_t first,
                                         std::size_t count);

}  // namespace psml
