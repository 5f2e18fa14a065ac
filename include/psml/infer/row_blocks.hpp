// Walking a rank's rows in blocks: the one loop every use of a predictor on a data file goes
// through (prediction files, eval, compare), so that each sees every row once, in order.
#pragma once

#include <algorithm>
#include <cstdint>

namespace psml::infer {

// Calls f(first, count) for consecutive blocks [first, first + count) of rows [0, rows), each of
// `block` (> 0) rows but the last; none for no rows.
template <class F>
void for_each_block(std::int64_t rows, std::int64_t block, F&& f) {
  for (std::int64_t first = 0; first < rows; first += block)
    f(first, std::min(block, rows - first));
}

}  // namespace psml::infer
