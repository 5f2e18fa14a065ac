// Contiguous row ranges: how rows (or keys) are split across ranks.
#pragma once

#include <cstdint>
#include <ostream>

namespace psml::data {

struct RowRange {
  std::int64_t first = 0;
  std::int64_t count = 0;
  std::int64_t end() const { return first + count; }
  bool contains(std::int64_t row) const { return row >= first && row < end(); }
  bool operator==(const RowRange&) const = default;
};

// Part `index` of `rows` split into `parts` contiguous ranges whose sizes differ by at most one
// (the first rows % parts ranges get the extra row).
RowRange balanced_range(std::int64_t rows, int parts, int index);

inline std::ostream& operator<<(std::ostream& out, const RowRange& r) {
  return out << "[" << r.first << ", " << r.end() << ")";
}

}  // namespace psml::data
