#include "psml/data/labels.hpp"

#include <climits>
#include <cmath>
#include <vector>

#include "psml/core/error.hpp"

namespace psml::data {

void read_labels(const DatasetInfo& info, const h5::Dataset& labels, RowRange range,
                 Eigen::VectorXi& classes, Eigen::VectorXf& targets) {
  const auto first = static_cast<hsize_t>(range.first);
  const auto count = static_cast<hsize_t>(range.count);
  if (info.task == Task::kClassification) {
    // Read as int64 first, so that ids beyond int32 are reported rather than wrapped.
    std::vector<std::int64_t> ids(count);
    labels.read_rows<std::int64_t>(first, count, ids);
    classes.resize(range.count);
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const bool too_large = info.num_classes > 0 ? ids[i] >= info.num_classes : ids[i] > INT32_MAX;
      if (ids[i] < 0 || too_large)
        throw error(labels.where(), ": row ", range.first + static_cast<std::int64_t>(i),
                    " has class id ", ids[i], ", outside [0, ",
                    info.num_classes > 0 ? std::to_string(info.num_classes) : "2^31", ")");
      classes[static_cast<Eigen::Index>(i)] = static_cast<std::int32_t>(ids[i]);
    }
    return;
  }
  targets.resize(range.count);
  labels.read_rows<float>(first, count, {targets.data(), count});
  for (Eigen::Index i = 0; i < targets.size(); ++i)
    if (!std::isfinite(targets[i]))
      throw error(labels.where(), ": row ", range.first + i, " has a non-finite label");
}

}  // namespace psml::data
