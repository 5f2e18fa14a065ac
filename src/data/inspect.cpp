#include "psml/data/inspect.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "psml/core/error.hpp"
#include "psml/data/generated.hpp"
#include "psml/data/h5.hpp"
#include "psml/data/labels.hpp"

namespace psml::data {

DatasetSummary summarize_dataset(const std::string& path, const DatasetNames& names) {
  DatasetSummary s;
  if (parse_generated(path))
    throw error(path, ": is generated in memory, not a file to inspect (docs/data.md)");
  DescribeOptions options;
  options.names = names;
  s.info = describe_dataset(path, options);
  const auto file = h5::File::open_read(path);
  // Sparse files: the stored values stand for the features.
  const auto features = file.dataset(s.info.sparse ? kValuesDataset : s.info.names.features);
  const auto labels = file.dataset(s.info.names.labels);
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
  Eigen::VectorXi classes;
  Eigen::VectorXf targets;
  for (std::int64_t first = 0; first < s.info.rows; first += 1 << 20) {
    const RowRange piece{first, std::min<std::int64_t>(1 << 20, s.info.rows - first)};
    read_labels(s.info, labels, piece, classes, targets);
    if (s.info.task == Task::kClassification) {
      for (const auto c : classes) ++s.class_counts[c];
      targets = classes.cast<float>();  // the ids' range, for the labels line
    }
    if (targets.size() == 0) continue;
    s.label_min = std::min<double>(s.label_min, targets.minCoeff());
    s.label_max = std::max<double>(s.label_max, targets.maxCoeff());
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
    for (const auto& [c, n] : s.class_counts) {
      out << "  class " << c << "  " << n;
      if (!s.info.class_names.empty())
        out << "  '" << s.info.class_names[static_cast<std::size_t>(c)] << "'";
      out << "\n";
    }
  }
  for (const auto& note : s.info.notes) out << note << "\n";
}

}  // namespace psml::data
