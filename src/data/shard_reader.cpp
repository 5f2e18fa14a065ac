#include "psml/data/shard_reader.hpp"

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

Shard read_shard(const DatasetInfo& info, RowRange range) {
  const auto file = h5::File::open_read(info.path);
  const auto features = file.dataset(kFeaturesDataset);
  Shard shard;
  shard.info = info;
  shard.rows = range;
  shard.x.resize(range.count, info.features);
  const auto first = static_cast<hsize_t>(range.first);
  const auto count = static_cast<hsize_t>(range.count);
  features.read_rows<float>(first, count,
                            {shard.x.data(), static_cast<std::size_t>(shard.x.size())});

  for (Eigen::Index r = 0; r < shard.x.rows(); ++r) {
    if (!shard.x.row(r).allFinite()) {
      Eigen::Index c = 0;
      while (std::isfinite(shard.x(r, c))) ++c;
      throw error(features.where(), ": row ", range.first + r, " feature ", c, " is not finite (",
                  shard.x(r, c), ")");
    }
  }

  if (info.has_labels)
    read_labels(info, file.dataset(kLabelsDataset), range, shard.classes, shard.targets);
  return shard;
}

}  // namespace psml::data
