#include "psml/data/batch_buffer.hpp"

namespace psml::data {

BatchView BatchBuffer::gather(const Shard& shard, const std::vector<std::int64_t>& rows) {
  if (rows.empty()) return {ConstRowsMap(nullptr, 0, shard.x.cols()), {}, {}};  // an empty share
  return gather(static_cast<Eigen::Index>(rows.size()), [&](std::size_t i) {
    return std::pair<const Shard*, Eigen::Index>{&shard, rows[i]};
  });
}

void BatchBuffer::reserve(Eigen::Index rows, Eigen::Index columns) {
  x_.reserve(rows, columns);
  classes_.reserve(static_cast<std::size_t>(rows));
  targets_.reserve(static_cast<std::size_t>(rows));
}

}  // namespace psml::data
