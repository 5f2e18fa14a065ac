#include "psml/models/gradient_check.hpp"

#include "psml/core/aligned.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace psml::models {

GradientCheck check_gradient(ModelT<double>& model, std::span<const double> params,
                             const data::BatchViewT<double>& batch, std::size_t max_coordinates,
                             double step, double floor) {
  const std::size_t p = params.size();
  AlignedVector<double> analytic(p), scratch(p), probe(params.begin(), params.end());
  model.loss_and_gradient(params, batch, analytic);

  GradientCheck result;
  const std::size_t stride =
      std::max<std::size_t>(1, p / std::max<std::size_t>(1, max_coordinates));
  for (std::size_t i = 0; i < p; i += stride) {
    const double original = probe[i];
    probe[i] = original + step;
    const double loss_plus = model.loss_and_gradient(probe, batch, scratch);
    probe[i] = original - step;
    const double loss_minus = model.loss_and_gradient(probe, batch, scratch);
    probe[i] = original;
    const double numeric = (loss_plus - loss_minus) / (2 * step);
    const double err = std::abs(analytic[i] - numeric) /
                       std::max(std::abs(analytic[i]) + std::abs(numeric), floor);
    if (err > result.worst_relative_error) {
      result.worst_relative_error = err;
      result.worst_index = i;
    }
    ++result.checked;
  }
  return result;
}

}  // namespace psml::models
