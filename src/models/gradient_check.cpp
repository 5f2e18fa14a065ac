#include "psml/models/gradient_check.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace psml::models {

GradientCheck check_gradient(Model& model, std::span<const float> params,
                             const data::BatchView& batch, std::size_t max_coordinates, double step,
                             double floor) {
  const std::size_t p = params.size();
  std::vector<float> analytic(p), scratch(p), probe(params.begin(), params.end());
  model.loss_and_gradient(params, batch, analytic);

  GradientCheck result;
  const std::size_t stride = std::max<std::size_t>(1, p / max_coordinates);
  for (std::size_t i = 0; i < p; i += stride) {
    // Central difference with the step actually representable in float.
    const float original = probe[i];
    const float plus = original + static_cast<float>(step);
    const float minus = original - static_cast<float>(step);
    probe[i] = plus;
    const double loss_plus = model.loss_and_gradient(probe, batch, scratch);
    probe[i] = minus;
    const double loss_minus = model.loss_and_gradient(probe, batch, scratch);
    probe[i] = original;
    const double numeric = (loss_plus - loss_minus) / (static_cast<double>(plus) - minus);
    const double a = analytic[i];
    const double err = std::abs(a - numeric) / std::max(std::abs(a) + std::abs(numeric), floor);
    if (err > result.worst_relative_error) {
      result.worst_relative_error = err;
      result.worst_index = i;
    }
    ++result.checked;
  }
  return result;
}

}  // namespace psml::models
