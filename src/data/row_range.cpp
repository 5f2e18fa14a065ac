#include "psml/data/row_range.hpp"

#include <algorithm>

namespace psml::data {

RowRange balanced_range(std::int64_t rows, int parts, int index) {
  const std::int64_t base = rows / parts;
  const std::int64_t extra = rows % parts;
  return {index * base + std::min<std::int64_t>(index, extra), base + (index < extra ? 1 : 0)};
}

}  // namespace psml::data
