// Where a weight matrix lies in a model's flat parameter vector: `rows` x `cols` values, row-major,
// from `offset`. Models with layers list theirs (ModelT::matrices) for exchanges that treat
// matrix-shaped gradients apart, such as PowerSGD's low-rank factors (compress/power_sgd.hpp).
#pragma once

#include <cstddef>
#include <cstdint>

namespace psml::models {

struct MatrixBlock {
  std::size_t offset = 0;
  std::int64_t rows = 0;
  std::int64_t cols = 0;

  std::size_t size() const { return static_cast<std::size_t>(rows * cols); }
  bool operator==(const MatrixBlock&) const = default;
};

}  // namespace psml::models
