#include "psml/data/shard_reader.hpp"
#include "psml/data/generated.hpp"

#include <algorithm>
#include <cmath>
#include <span>

#include "psml/core/error.hpp"
#include "psml/data/h5.hpp"
#include "psml/data/labels.hpp"

namespace psml::data {

BatchView Shard::view(Eigen::Index first, Eigen::Index count) const {
  BatchView v{ConstRowsMap(x.data() + first * x.cols(), count, x.cols()), {}, {}};
  if (classes.size()) v.classes = {classes.data() + first, static_cast<std::size_t>(count)};
  if (targets.size()) v.targets = {targets.data() + first, static_cast<std::size_t>(count)};
  return v;
}

namespace {

// Throws naming the first non-finite value of rows [0, rows) of x (global row first + r).
void check_finite(const h5::Dataset& features, std::int64_t first, const float* x,
                  std::int64_t rows, std::int64_t columns) {
  const Eigen::Map<const RowMatrix> m(x, rows, columns);
  if (m.allFinite()) return;
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    if (m.row(r).allFinite()) continue;
    Eigen::Index c = 0;
    while (std::isfinite(m(r, c))) ++c;
    throw error(features.where(), ": row ", first + r, " feature ", c, " is not finite (", m(r, c),
                ")");
  }
}

}  // namespace

ShardFile::ShardFile(const DatasetInfo& info)
    : info_(info),
      file_(h5::File::open_read(info.path)),
      features_(file_.dataset(info.names.features, false)) {
  // Labels keep HDF5's chunk cache: a chunk of them (65,536 in psml's files) serves many reads.
  if (info.has_labels) labels_.emplace(file_.dataset(info.names.labels));
}

void ShardFile::read(RowRange range, float* x, std::int32_t* classes, float* targets) {
  const auto values = static_cast<std::size_t>(range.count * info_.features);
  features_.read_rows<float>(static_cast<hsize_t>(range.first), static_cast<hsize_t>(range.count),
                             {x, values});
  check_finite(features_, range.first, x, range.count, info_.features);
  if (!labels_) return;
  read_labels(info_, *labels_, range, classes_, targets_);
  if (classes_.size()) std::copy_n(classes_.data(), range.count, classes);
  if (targets_.size()) std::copy_n(targets_.data(), range.count, targets);
}

Shard read_shard(const DatasetInfo& info, RowRange range) {
  if (const auto spec = parse_generated(info.path)) return generate_shard(*spec, info, range);
  Shard shard;
  shard.info = info;
  shard.rows = range;
  shard.x.resize(range.count, info.features);
  if (info.has_labels && info.task == Task::kClassification)
    shard.classes.resize(range.count);
  else if (info.has_labels)
    shard.targets.resize(range.count);
  ShardFile(info).read(range, shard.x.data(), shard.classes.data(), shard.targets.data());
  return shard;
}

}  // namespace psml::data
