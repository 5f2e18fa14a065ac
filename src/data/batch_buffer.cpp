#include "psml/data/batch_buffer.hpp"

namespace psml::data {

BatchView BatchBuffer::gather(const Shard& shard, const std::vector<std::int64_t>& rows) {
  const auto n = static_cast<Eigen::Index>(rows.size());
  auto x = x_.rows(n, shard.x.cols());
  for (Eigen::Index i = 0; i < n; ++i) x.row(i) = shard.x.row(rows[static_cast<std::size_t>(i)]);
  BatchView view{ConstRowsMap(x.data(), n, x.cols()), {}, {}};
  if (shard.classes.size()) {
    classes_.resize(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) classes_[i] = shard.classes[rows[i]];
    view.classes = classes_;
  } else {
    targets_.resize(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) targets_[i] = shard.targets[rows[i]];
    view.targets = targets_;
  }
  return view;
}

void BatchBuffer::reserve(Eigen::Index rows, Eigen::Index columns) {
  x_.reserve(rows, columns);
  classes_.reserve(static_cast<std::size_t>(rows));
  targets_.reserve(static_cast<std::size_t>(rows));
}

}  // namespace psml::data
