#include "psml/data/schema.hpp"

#include "psml/core/error.hpp"
#include "psml/data/h5.hpp"

namespace psml::data {

const char* to_string(Task task) {
  return task == Task::kClassification ? "classification" : "regression";
}

DatasetInfo describe_dataset(const std::string& path) {
  const auto file = h5::File::open_read(path);
  DatasetInfo info;
  info.path = path;
  const auto features = file.dataset(kFeaturesDataset);
  const auto labels = file.dataset(kLabelsDataset);

  const auto fdims = features.dims();
  if (fdims.size() != 2)
    throw error(features.where(), ": must be 2-D (rows x features), has ", fdims.size(),
                " dimensions");
  const auto ldims = labels.dims();
  if (ldims.size() != 1 && !(ldims.size() == 2 && ldims[1] == 1))
    throw error(labels.where(), ": must be 1-D (one label per row), has ", ldims.size(),
                " dimensions");
  if (features.type_class() == h5::TypeClass::kOther)
    throw error(features.where(), ": dtype ", features.dtype(), " is not numeric");
  if (labels.type_class() == h5::TypeClass::kOther)
    throw error(labels.where(), ": dtype ", labels.dtype(), " is not numeric");
  if (fdims[0] != ldims[0])
    throw error(path, ": /features has ", fdims[0], " rows but /labels has ", ldims[0]);
  if (fdims[0] == 0) throw error(features.where(), ": is empty (0 rows)");
  if (fdims[1] == 0) throw error(features.where(), ": has 0 features");
  info.rows = static_cast<std::int64_t>(fdims[0]);
  info.features = static_cast<std::int64_t>(fdims[1]);
  info.features_dtype = features.dtype();
  info.labels_dtype = labels.dtype();

  const bool integer_labels = labels.type_class() == h5::TypeClass::kInteger;
  if (const auto task = file.string_attribute(kTaskAttribute)) {
    if (*task == "classification")
      info.task = Task::kClassification;
    else if (*task == "regression")
      info.task = Task::kRegression;
    else
      throw error(path, ": attribute task='", *task, "' is neither classification nor regression");
  } else {
    info.task = integer_labels ? Task::kClassification : Task::kRegression;
  }
  if (info.task == Task::kClassification && !integer_labels)
    throw error(labels.where(), ": classification needs integer class ids, found dtype ",
                labels.dtype());
  if (const auto classes = file.int_attribute(kNumClassesAttribute)) {
    if (*classes < 1) throw error(path, ": attribute num_classes=", *classes, " must be >= 1");
    info.num_classes = *classes;
  }
  return info;
}

}  // namespace psml::data
