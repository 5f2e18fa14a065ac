#include "psml/data/shard_reader.hpp"

#include <cmath>
#include <span>

#include "psml/core/error.hpp"
#include "psml/data/h5.hpp"

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
  const auto labels = file.dataset(kLabelsDataset);
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

  if (info.task == Task::kClassification) {
    // Read as int64 first, so that ids beyond int32 are reported rather than wrapped.
    std::vector<std::int64_t> ids(count);
    labels.read_rows<std::int64_t>(first, count, ids);
    shard.classes.resize(range.count);
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const bool too_large = info.num_classes > 0 ? ids[i] >= info.num_classes : ids[i] > INT32_MAX;
      if (ids[i] < 0 || too_large)
        throw error(labels.where(), ": row ", range.first + static_cast<std::int64_t>(i),
                    " has class id ", ids[i], ", outside [0, ",
                    info.num_classes > 0 ? std::to_string(info.num_classes) : "2^31", ")");
      shard.classes[static_cast<Eigen::Index>(i)] = static_cast<std::int32_t>(ids[i]);
    }
  } else {
    shard.targets.resize(range.count);
    labels.read_rows<float>(first, count, {shard.targets.data(), count});
    for (Eigen::Index i = 0; i < shard.targets.size(); ++i)
      if (!std::isfinite(shard.targets[i]))
        throw error(labels.where(), ": row ", range.first + i, " has a non-finite label");
  }
  return shard;
}

}  // namespace psml::data
