#include "psml/data/dataset_writer.hpp"

#include <algorithm>

#include "psml/core/error.hpp"

namespace psml::data {
namespace {

// ~1 MiB chunks of whole rows: a rank's hyperslab touches few partial chunks.
hsize_t chunk_rows(std::int64_t rows, std::int64_t features) {
  const std::int64_t target = std::max<std::int64_t>(1, (1 << 20) / (4 * features));
  return static_cast<hsize_t>(std::clamp<std::int64_t>(target, 1, std::max<std::int64_t>(rows, 1)));
}

h5::Dataset create_labels(const h5::File& file, std::int64_t rows, Task task, int gzip_level) {
  const std::vector<hsize_t> dims{static_cast<hsize_t>(rows)};
  const std::vector<hsize_t> chunk{
      static_cast<hsize_t>(std::clamp<std::int64_t>(rows, 1, 1 << 16))};
  if (task == Task::kClassification)
    return file.create_dataset<std::int32_t>(kLabelsDataset, dims, chunk, gzip_level);
  return file.create_dataset<float>(kLabelsDataset, dims, chunk, gzip_level);
}

}  // namespace

DatasetWriter::DatasetWriter(const std::string& path, std::int64_t rows, std::int64_t features,
                             Task task, std::int64_t num_classes, int gzip_level)
    : file_(h5::File::create(path)),
      features_(features),
      x_(file_.create_dataset<float>(
          kFeaturesDataset, {static_cast<hsize_t>(rows), static_cast<hsize_t>(features)},
          {chunk_rows(rows, features), static_cast<hsize_t>(features)}, gzip_level)),
      y_(create_labels(file_, rows, task, gzip_level)) {
  file_.set_attribute(kTaskAttribute, std::string(to_string(task)));
  if (task == Task::kClassification) file_.set_attribute(kNumClassesAttribute, num_classes);
  file_.set_attribute("psml_schema_version", std::int64_t{1});
}

void DatasetWriter::write_features(std::int64_t first, std::span<const float> x) const {
  if (x.size() % static_cast<std::size_t>(features_) != 0)
    throw error(file_.path(), ": row block is not a whole number of rows");
  x_.write_rows<float>(static_cast<hsize_t>(first), x.size() / features_, x);
}

void DatasetWriter::write_rows(std::int64_t first, std::span<const float> x,
                               std::span<const std::int32_t> classes) {
  write_features(first, x);
  y_.write_rows<std::int32_t>(static_cast<hsize_t>(first), classes.size(), classes);
}

void DatasetWriter::write_rows(std::int64_t first, std::span<const float> x,
                               std::span<const float> targets) {
  write_features(first, x);
  y_.write_rows<float>(static_cast<hsize_t>(first), targets.size(), targets);
}

}  // namespace psml::data
