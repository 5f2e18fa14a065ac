// The HDF5 dataset schema psml trains on (documented in docs/data.md):
//   dense:  /features  rows x features, any integer, float or bool dtype, chunked and compressed
//                      or not
//   sparse: /indptr (rows + 1), /indices (nnz, column ids), /values (nnz): CSR, as scipy stores it,
//           with the column count in the root attribute num_features
//   both:   /labels    rows, class labels (integer ids, or strings, bool, -1 / +1, whole-number
//                      floats: data/label_mapping.hpp) or floats (regression)
//   /features and /labels may have other names (X, y, /train/X): DatasetNames.
//   attributes on the root group: task ("classification" | "regression"), num_classes (int).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace psml::data {

inline constexpr const char* kFeaturesDataset = "features";
inline constexpr const char* kLabelsDataset = "labels";
inline constexpr const char* kTaskAttribute = "task";
inline constexpr const char* kNumClassesAttribute = "num_classes";
inline constexpr const char* kIndptrDataset = "indptr";
inline constexpr const char* kIndicesDataset = "indices";
inline constexpr const char* kValuesDataset = "values";
inline constexpr const char* kNumFeaturesAttribute = "num_features";

enum class Task { kClassification, kRegression };

const char* to_string(Task task);

// Where a dense file keeps its rows and a file its labels: HDF5 paths ("X", "/train/X"), which
// --features-path and --labels-path set.
struct DatasetNames {
  std::string features = kFeaturesDataset;
  std::string labels = kLabelsDataset;
};

// What a data file holds, read from its metadata only (no rows).
struct DatasetInfo {
  std::string path;
  std::int64_t rows = 0;
  std::int64_t features = 0;
  std::string features_dtype;
  std::string labels_dtype;
  Task task = Task::kClassification;
  // Classification: the classes (the num_classes attribute, else what the labels hold; a model's
  // with DescribeOptions::classes). Regression: the attribute, or 0.
  std::int64_t num_classes = 0;
  // Sparse (CSR) files: true, with the number of stored values.
  bool sparse = false;
  std::int64_t nnz = 0;
  // False for a file without /labels, accepted where labels are optional (k-means, PCA, GMM).
  bool has_labels = true;
  // Classification: the user's label of each class id, when the file's labels are not already the
  // ids 0..num_classes-1 (strings, bool, -1/+1, ...) or the file names its classes; empty when the
  // labels are the ids themselves. A model keeps it, so predictions come back as the user's labels
  // and another file's labels (eval) are mapped onto the same ids.
  std::vector<std::string> class_names;
  // The datasets read, without a leading '/'.
  DatasetNames names;
  // For the user, said once by whoever reads the file for a command (rank 0): how its labels
  // became classes ("y.h5: labels 'cat', 'dog' read as classes 0, 1"), classes without rows
  // ("warning: ...").
  std::vector<std::string> notes;
};

enum class Labels { kRequired, kOptional };

// A model's classes, onto which another file's labels are read.
struct KnownClasses {
  std::int64_t count = 0;
  std::vector<std::string> names;  // DatasetInfo::class_names of the file it was trained on
};

// How to read a file, where the command knows more than the file says.
struct DescribeOptions {
  Labels labels = Labels::kRequired;
  DatasetNames names;
  // The task the model fixes (softmax: classification, linreg: regression), or none (an mlp
  // follows the data): whole-number float labels without a task attribute are classes for a
  // classifier, values otherwise.
  std::optional<Task> task;
  // A trained model's classes (psml eval and predict, a run's --test file): the labels are read
  // onto them, with no pass over the labels. Unset: the file's labels decide its classes, in one
  // pass over them (data/label_mapping.hpp).
  std::optional<KnownClasses> classes;
};

// Opens `path` and checks its layout: both datasets present, 2-D features and 1-D labels with the
// same row count, numeric (or bool) features, labels that fit the task. Throws psml::Error naming
// the file and the problem; a missing dataset's error lists what the file holds.
// A classification file's classes are decided here (num_classes, class_names and notes set), in
// one pass over its labels unless options.classes gives them. With Labels::kOptional a dense file
// may lack its labels (has_labels false). A "synthetic:..." path names data generated in memory
// (data/generated.hpp), which read_shard and read_sparse_shard generate.
DatasetInfo describe_dataset(const std::string& path, const DescribeOptions& options);
DatasetInfo describe_dataset(const std::string& path, Labels labels = Labels::kRequired);

}  // namespace psml::data
