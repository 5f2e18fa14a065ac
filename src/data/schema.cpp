#include "psml/data/schema.hpp"
#include "psml/data/generated.hpp"

#include "psml/core/error.hpp"
#include "psml/data/h5.hpp"

namespace psml::data {
namespace {

// Dense features: /features, 2-D, numeric, with as many rows as /labels (when there are labels).
void describe_dense(const h5::Dataset& features, const h5::Dataset* labels, DatasetInfo& info) {
  const auto fdims = features.dims();
  if (fdims.size() != 2)
    throw error(features.where(), ": must be 2-D (rows x features), has ", fdims.size(),
                " dimensions");
  if (features.type_class() == h5::TypeClass::kOther)
    throw error(features.where(), ": dtype ", features.dtype(), " is not numeric");
  if (labels) {
    const auto ldims = labels->dims();
    if (ldims.size() != 1 && !(ldims.size() == 2 && ldims[1] == 1))
      throw error(labels->where(), ": must be 1-D (one label per row), has ", ldims.size(),
                  " dimensions");
    if (fdims[0] != ldims[0])
      throw error(info.path, ": /features has ", fdims[0], " rows but /labels has ", ldims[0]);
  }
  if (fdims[0] == 0) throw error(features.where(), ": is empty (0 rows)");
  if (fdims[1] == 0) throw error(features.where(), ": has 0 features");
  info.rows = static_cast<std::int64_t>(fdims[0]);
  info.features = static_cast<std::int64_t>(fdims[1]);
  info.features_dtype = features.dtype();
}

// Sparse features: /indptr, /indices, /values (CSR) and the num_features attribute.
void describe_csr(const h5::File& file, const h5::Dataset& labels, DatasetInfo& info) {
  const auto indptr = file.dataset(kIndptrDataset);
  const auto indices = file.dataset(kIndicesDataset);
  const auto values = file.dataset(kValuesDataset);
  for (const auto* d : {&indptr, &indices, &values}) {
    if (d->dims().size() != 1) throw error(d->where(), ": must be 1-D");
    if (d->type_class() == h5::TypeClass::kOther)
      throw error(d->where(), ": dtype ", d->dtype(), " is not numeric");
  }
  if (indptr.type_class() != h5::TypeClass::kInteger ||
      indices.type_class() != h5::TypeClass::kInteger)
    throw error(info.path, ": /indptr and /indices must hold integers");
  if (indptr.dims()[0] < 2) throw error(indptr.where(), ": is empty (0 rows)");
  info.sparse = true;
  info.rows = static_cast<std::int64_t>(indptr.dims()[0]) - 1;
  info.nnz = static_cast<std::int64_t>(indices.dims()[0]);
  if (values.dims()[0] != indices.dims()[0])
    throw error(info.path, ": /indices has ", indices.dims()[0], " entries but /values has ",
                values.dims()[0]);
  const auto ldims = labels.dims();
  if (ldims.size() != 1) throw error(labels.where(), ": must be 1-D (one label per row)");
  if (static_cast<std::int64_t>(ldims[0]) != info.rows)
    throw error(info.path, ": /indptr describes ", info.rows, " rows but /labels has ", ldims[0]);
  const auto columns = file.int_attribute(kNumFeaturesAttribute);
  if (!columns) throw error(info.path, ": a CSR file needs the attribute num_features");
  if (*columns < 1) throw error(info.path, ": attribute num_features=", *columns, " must be >= 1");
  info.features = *columns;
  info.features_dtype = values.dtype();
  std::int64_t ends[2] = {0, 0};
  indptr.read_rows<std::int64_t>(0, 1, {ends, 1});
  indptr.read_rows<std::int64_t>(static_cast<hsize_t>(info.rows), 1, {ends + 1, 1});
  if (ends[0] != 0 || ends[1] != info.nnz)
    throw error(indptr.where(), ": must run from 0 to the ", info.nnz, " stored values, runs from ",
                ends[0], " to ", ends[1]);
}

void describe_labels(const h5::File& file, const h5::Dataset& labels, DatasetInfo& info) {
  if (labels.type_class() == h5::TypeClass::kOther)
    throw error(labels.where(), ": dtype ", labels.dtype(), " is not numeric");
  info.labels_dtype = labels.dtype();
  const bool integer_labels = labels.type_class() == h5::TypeClass::kInteger;
  if (const auto task = file.string_attribute(kTaskAttribute)) {
    if (*task == "classification")
      info.task = Task::kClassification;
    else if (*task == "regression")
      info.task = Task::kRegression;
    else
      throw error(info.path, ": attribute task='", *task,
                  "' is neither classification nor regression");
  } else {
    info.task = integer_labels ? Task::kClassification : Task::kRegression;
  }
  if (info.task == Task::kClassification && !integer_labels)
    throw error(labels.where(), ": classification needs integer class ids, found dtype ",
                labels.dtype());
  if (const auto classes = file.int_attribute(kNumClassesAttribute)) {
    if (*classes < 1) throw error(info.path, ": attribute num_classes=", *classes, " must be >= 1");
    info.num_classes = *classes;
  }
}

}  // namespace

const char* to_string(Task task) {
  return task == Task::kClassification ? "classification" : "regression";
}

DatasetInfo describe_dataset(const std::string& path, Labels need_labels) {
  if (const auto spec = parse_generated(path)) return describe_generated(*spec, path);
  const auto file = h5::File::open_read(path);
  DatasetInfo info;
  info.path = path;
  if (!file.has_dataset(kFeaturesDataset) && file.has_dataset(kIndptrDataset)) {
    const auto labels = file.dataset(kLabelsDataset);
    describe_csr(file, labels, info);
    describe_labels(file, labels, info);
  } else {
    const auto features = file.dataset(kFeaturesDataset);
    if (need_labels == Labels::kOptional && !file.has_dataset(kLabelsDataset)) {
      info.has_labels = false;
      describe_dense(features, nullptr, info);
      return info;
    }
    const auto labels = file.dataset(kLabelsDataset);
    describe_dense(features, &labels, info);
    describe_labels(file, labels, info);
  }
  return info;
}

}  // namespace psml::data
