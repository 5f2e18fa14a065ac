// Whether a training file's features are far from unit scale (uint8 pixels 0..255 train with SGD
// to a loss in the hundreds of thousands): the range of the rows read, and the warning it gives.
#pragma once

#include <limits>
#include <optional>
#include <span>
#include <string>

namespace psml::data {

struct FeatureRange {
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();

  void add(std::span<const float> values);
};

// "warning: x.h5: features range from 0 to 255, far from unit scale: ..." with the remedies, when
// some |x| exceeds 100; none for an empty range (no rows seen).
std::optional<std::string> scale_warning(const std::string& path, const FeatureRange& range);

}  // namespace psml::data
