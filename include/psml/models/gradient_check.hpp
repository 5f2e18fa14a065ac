// Compares a model's analytic gradient with central finite differences of its loss, the way
// `psml check-gradients` and the tests verify every model.
#pragma once

#include <cstdint>
#include <span>

#include "psml/models/model.hpp"

namespace psml::models {

struct GradientCheck {
  double worst_relative_error = 0;
  std::size_t worst_index = 0;
  std::size_t checked = 0;
};

// Checks up to `max_coordinates` coordinates (spread evenly over [0, P)). The relative error of a
// coordinate is |a − n| / max(|a| + |n|, floor), with a the analytic and n the numeric derivative
// (2h central difference of the loss, evaluated in double from float parameters).
GradientCheck check_gradient(Model& model, std::span<const float> params,
                             const data::BatchView& batch, std::size_t max_coordinates = 200,
                             double step = 1e-2, double floor = 1e-3);

}  // namespace psml::models
