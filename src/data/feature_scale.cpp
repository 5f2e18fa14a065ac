#include "psml/data/feature_scale.hpp"

#include <algorithm>
#include <cmath>

#include "psml/core/error.hpp"

namespace psml::data {

// Beyond this, a learning rate tuned for unit-scale features (psml's defaults) takes steps that
// are too large by the square of the scale.
constexpr double kFarFromUnit = 100;

void FeatureRange::add(std::span<const float> values) {
  if (values.empty()) return;
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  min = std::min<double>(min, *lo);
  max = std::max<double>(max, *hi);
}

std::optional<std::string> scale_warning(const std::string& path, const FeatureRange& range) {
  if (range.min > range.max || std::max(std::abs(range.min), std::abs(range.max)) <= kFarFromUnit)
    return std::nullopt;
  return detail::concat("warning: ", path, ": features range from ", range.min, " to ", range.max,
                        ", far from unit scale: standardise them (--standardize), or import "
                        "them scaled (psml data import --divide-by)");
}

}  // namespace psml::data
