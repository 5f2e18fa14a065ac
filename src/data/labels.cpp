#include "psml/data/labels.hpp"

#include <climits>
#include <cmath>
#include <vector>

#include "psml/core/error.hpp"
#include "psml/data/label_mapping.hpp"

namespace psml::data {
namespace {

// Class ids of the user's labels (info.class_names: the training file's, or the model's).
void read_named_classes(const DatasetInfo& info, const h5::Dataset& labels, RowRange range,
                        Eigen::VectorXi& classes) {
  const ClassLookup lookup(info.class_names);
  const auto unknown = [&](std::size_t i, const std::string& label) {
    return error(labels.where(), ": row ", range.first + static_cast<std::int64_t>(i),
                 " has label ", label, ", not one of the classes the model knows (",
                 lookup.describe(), ")");
  };
  if (labels.type_class() == h5::TypeClass::kString) {
    const auto texts =
        labels.read_strings(static_cast<hsize_t>(range.first), static_cast<hsize_t>(range.count));
    for (std::size_t i = 0; i < texts.size(); ++i) {
      const auto id = lookup.id(texts[i]);
      if (id < 0) throw unknown(i, "'" + texts[i] + "'");
      classes[static_cast<Eigen::Index>(i)] = id;
    }
    return;
  }
  const bool bools = labels.type_class() == h5::TypeClass::kBool;
  const auto values = read_whole_labels(labels, range);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto id = bools ? lookup.id(values[i] ? "True" : "False") : lookup.id(values[i]);
    if (id < 0)
      throw unknown(i, bools ? (values[i] ? "True" : "False") : std::to_string(values[i]));
    classes[static_cast<Eigen::Index>(i)] = id;
  }
}

}  // namespace

void read_labels(const DatasetInfo& info, const h5::Dataset& labels, RowRange range,
                 Eigen::VectorXi& classes, Eigen::VectorXf& targets) {
  const auto first = static_cast<hsize_t>(range.first);
  const auto count = static_cast<hsize_t>(range.count);
  if (info.task == Task::kClassification) {
    classes.resize(range.count);
    if (!info.class_names.empty()) return read_named_classes(info, labels, range, classes);
    if (labels.type_class() == h5::TypeClass::kString)
      throw error(labels.where(), ": holds strings, the model's classes are ids 0 .. ",
                  info.num_classes - 1, " (it was trained on numbered labels)");
    const auto ids = read_whole_labels(labels, range);
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
