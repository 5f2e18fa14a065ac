#include "psml/data/schema.hpp"
#include "psml/data/generated.hpp"

#include <algorithm>

#include "psml/core/error.hpp"
#include "psml/data/h5.hpp"
#include "psml/data/label_mapping.hpp"

namespace psml::data {
namespace {

// Numbers, or bool read as 0 / 1.
bool numeric(const h5::Dataset& d) {
  return d.type_class() != h5::TypeClass::kOther && d.type_class() != h5::TypeClass::kString;
}

// Dense features: /features, 2-D, numeric, with as many rows as /labels (when there are labels).
void describe_dense(const h5::Dataset& features, const h5::Dataset* labels, DatasetInfo& info) {
  const auto fdims = features.dims();
  if (fdims.size() != 2)
    throw error(features.where(), ": must be 2-D (rows x features), has ", fdims.size(),
                " dimensions");
  if (!numeric(features))
    throw error(features.where(), ": dtype ", features.dtype(), " is not numeric");
  if (labels) {
    const auto ldims = labels->dims();
    if (ldims.size() != 1 && !(ldims.size() == 2 && ldims[1] == 1))
      throw error(labels->where(), ": must be 1-D (one label per row), has ", ldims.size(),
                  " dimensions");
    if (fdims[0] != ldims[0])
      throw error(info.path, ": /", info.names.features, " has ", fdims[0], " rows but /",
                  info.names.labels, " has ", ldims[0]);
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
    if (!numeric(*d)) throw error(d->where(), ": dtype ", d->dtype(), " is not numeric");
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
    throw error(info.path, ": /indptr describes ", info.rows, " rows but /", info.names.labels,
                " has ", ldims[0]);
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

// The task: the file's attribute, else what the labels are (floats: the model's task, if it fixes
// one, else regression).
Task task_of(const h5::File& file, const h5::Dataset& labels, const DescribeOptions& options,
             const std::string& path) {
  if (const auto task = file.string_attribute(kTaskAttribute)) {
    if (*task == "classification") return Task::kClassification;
    if (*task == "regression") {
      if (labels.type_class() != h5::TypeClass::kInteger &&
          labels.type_class() != h5::TypeClass::kFloat)
        throw error(labels.where(), ": ", labels.dtype(),
                    " labels are classes, but the attribute task says regression");
      return Task::kRegression;
    }
    throw error(path, ": attribute task='", *task, "' is neither classification nor regression");
  }
  if (labels.type_class() != h5::TypeClass::kFloat) return Task::kClassification;
  return options.task.value_or(Task::kRegression);
}

void describe_labels(const h5::File& file, const h5::Dataset& labels,
                     const DescribeOptions& options, DatasetInfo& info) {
  if (labels.type_class() == h5::TypeClass::kOther)
    throw error(labels.where(), ": dtype ", labels.dtype(),
                " is not a label: numbers, bool or strings");
  info.labels_dtype = labels.dtype();
  info.task = task_of(file, labels, options, info.path);
  std::optional<std::int64_t> declared;
  if (const auto classes = file.int_attribute(kNumClassesAttribute)) {
    if (*classes < 1) throw error(info.path, ": attribute num_classes=", *classes, " must be >= 1");
    info.num_classes = *classes;
    declared = *classes;
  }
  if (info.task != Task::kClassification) return;
  if (options.classes) {
    info.num_classes = options.classes->count;
    info.class_names = options.classes->names;
    return;
  }
  auto classes = find_classes(labels, declared);
  info.num_classes = classes.num_classes;
  info.class_names = std::move(classes.names);
  info.notes = std::move(classes.notes);
}

// "/X (150 x 4, float64)"
std::string describe_entry(const h5::File& file, const std::string& name) {
  const auto d = file.dataset(name);
  std::string shape;
  for (const auto n : d.dims()) shape += (shape.empty() ? "" : " x ") + std::to_string(n);
  return "/" + name + " (" + shape + ", " + d.dtype() + ")";
}

// The datasets that look like the features (2-D) and the labels (1-D, as many rows), when there
// is one of each kind: what the error suggests naming.
std::string suggested_names(const h5::File& file, const std::vector<std::string>& names) {
  std::vector<std::string> tables, columns;
  std::vector<hsize_t> rows;
  for (const auto& name : names) {
    const auto dims = file.dataset(name).dims();
    if (dims.size() == 2) {
      tables.push_back(name);
      rows.push_back(dims[0]);
    }
    if (dims.size() == 1) columns.push_back(name);
  }
  if (tables.size() != 1) return "name them with --features-path and --labels-path";
  std::string out = "name them with --features-path " + tables[0];
  std::erase_if(columns,
                [&](const std::string& c) { return file.dataset(c).dims()[0] != rows[0]; });
  if (columns.size() == 1) out += " --labels-path " + columns[0];
  return out;
}

// A dataset the file lacks: what it holds instead, and how to name it.
[[noreturn]] void throw_missing(const h5::File& file, const std::string& name) {
  const auto names = file.dataset_names();
  if (names.empty()) throw error(file.path(), ": no dataset '/", name, "'; the file holds none");
  std::string held;
  for (std::size_t i = 0; i < names.size() && i < 12; ++i)
    held += (i ? ", " : "") + describe_entry(file, names[i]);
  if (names.size() > 12) held += ", and " + std::to_string(names.size() - 12) + " more";
  throw error(file.path(), ": no dataset '/", name, "'; it holds ", held, ": ",
              suggested_names(file, names));
}

h5::Dataset named_dataset(const h5::File& file, const std::string& name) {
  if (!file.has_dataset(name)) throw_missing(file, name);
  return file.dataset(name);
}

// "X", "/train/X" -> "X", "train/X": the form h5::Dataset::where() prefixes with "file:/".
std::string without_root(const std::string& name) {
  return name.substr(std::min(name.find_first_not_of('/'), name.size()));
}

}  // namespace

const char* to_string(Task task) {
  return task == Task::kClassification ? "classification" : "regression";
}

DatasetInfo describe_dataset(const std::string& path, const DescribeOptions& options) {
  if (const auto spec = parse_generated(path)) return describe_generated(*spec, path);
  const auto file = h5::File::open_read(path);
  DatasetInfo info;
  info.path = path;
  info.names = {without_root(options.names.features), without_root(options.names.labels)};
  const bool need_labels = options.labels == Labels::kRequired;
  if (!file.has_dataset(info.names.features) && file.has_dataset(kIndptrDataset)) {
    const auto labels = named_dataset(file, info.names.labels);
    describe_csr(file, labels, info);
    describe_labels(file, labels, options, info);
  } else {
    const auto features = named_dataset(file, info.names.features);
    if (!need_labels && !file.has_dataset(info.names.labels)) {
      info.has_labels = false;
      describe_dense(features, nullptr, info);
      return info;
    }
    const auto labels = named_dataset(file, info.names.labels);
    describe_dense(features, &labels, info);
    describe_labels(file, labels, options, info);
  }
  return info;
}

DatasetInfo describe_dataset(const std::string& path, Labels labels) {
  DescribeOptions options;
  options.labels = labels;
  return describe_dataset(path, options);
}

}  // namespace psml::data
