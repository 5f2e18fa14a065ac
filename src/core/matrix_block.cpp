#include "psml/core/matrix_block.hpp"

#include <algorithm>

namespace psml {

std::vector<MatrixBlock> matrices_within(std::span<const MatrixBlock> matrices, std::size_t first,
                                         std::size_t count) {
  std::vector<MatrixBlock> within;
  const std::size_t end = first + count;
  for (const auto& m : matrices) {
    const auto cols = static_cast<std::size_t>(m.cols);
    if (cols == 0 || m.offset + m.size() <= first || m.offset >= end) continue;
    // The first row that starts at or after `first`, and the rows that end by `end`.
    const std::size_t from = first > m.offset ? (first - m.offset + cols - 1) / cols : 0;
    const std::size_t to = std::min(static_cast<std::size_t>(m.rows),
                                    (std::min(end, m.offset + m.size()) - m.offset) / cols);
    if (to > from)
      within.push_back(
          {m.offset + from * cols - first, static_cast<std::int64_t>(to - from), m.cols});
  }
  return within;
}

}  // namespace psml
