#include "psml/data/inspect.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "psml/core/error.hpp"
#include "psml/data/generated.hpp"
#include "psml/data/h5.hpp"

namespace psml::data {

DatasetSummary summarize_dataset(const std::string& path) {
  DatasetSummary s;
  if (parse_generated(path))
    throw error(path, ": is generated in memory, not a file to inspect (docs/data.md)");
  s.info = describe_dataset(path);
  const auto file = h5::File::open_read(path);
  // Sparse files: the stored values stand for the features.
  const auto features = file.dataset(s.info.sparse ? kValuesDataset : kFeaturesDataset);
  const auto labels = file.dataset(kLabelsDataset);
  s.features_layout = features.layout();

  s.feature_min = std::numeric_limits<double>::infinity();
  s.feature_max = -std::numeric_limits<double>::infinity();
  s.label_min = s.feature_min;
  s.label_max = s.feature_max;
  const std::int64_t width = s.info.sparse ? 1 : s.info.features;
  const std::int64_t length = s.info.sparse ? s.info.nnz : s.info.rows;
  const std::int64_t block = std::max<std::int64_t>(1, (4 << 20) / width);
  std::vector<double> x, y;
  for (std::int64_t first = 0; first < length; first += block) {
    const auto n = static_cast<hsize_t>(std::min(block, length - first));
    x.resize(n * static_cast<hsize_t>(width));
    features.read_rows<double>(static_cast<hsize_t>(first), n, x);
    for (double v : x) {
      if (!std::isfinite(v)) {
        ++s.non_finite_features;
        continue;
      }
      s.feature_min = std::min(s.feature_min, v);
      s.feature_max = std::max(s.feature_max, v);
    }
  }
  for (std::int64_t first = 0; first < s.info.rows; first += 1 << 20) {
    const auto n = static_cast<hsize_t>(std::min<std::int64_t>(1 << 20, s.info.rows - first));
    y.resize(n);
    labels.read_rows<double>(static_cast<hsize_t>(first), n, y);
    for (double v : y) {
      s.label_min = std::min(s.label_min, v);
      s.label_max = std::max(s.label_max, v);
      if (s.info.task == Task::kClassification) ++s.class_counts[static_cast<std::int64_t>(v)];
    }
  }
  return s;
}

void print_summary(std::ostream& out, const DatasetSummary& s) {
  out << "file        " << s.info.path << "\n"
      << "task        " << to_string(s.info.task) << "\n"
      << "features    " << s.info.rows << " x " << s.info.features << " " << s.info.features_dtype;
  if (s.info.sparse)
    out << ", sparse (CSR): " << s.info.nnz << " stored values, "
        << static_cast<double>(s.info.nnz) / static_cast<double>(s.info.rows) << " per row";
  out << ", " << s.features_layout << "\n"
      << "  min/max   " << s.feature_min << " / " << s.feature_max
      << (s.info.sparse ? " (stored values)" : "") << "\n";
  if (s.non_finite_features) out << "  NON-FINITE " << s.non_finite_features << " values\n";
  out << "labels      " << s.info.rows << " " << s.info.labels_dtype << ", min/max " << s.label_min
      << " / " << s.label_max << "\n";
  if (s.info.task == Task::kClassification) {
    out << "classes     " << (s.info.num_classes ? std::to_string(s.info.num_classes) : "(not set)")
        << "\n";
    for (const auto& [c, n] : s.class_counts) out << "  class " << c << "  " << n << "\n";
  }
}

}  // namespace psml::data
