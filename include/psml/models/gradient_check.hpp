// Compares a model's analytic gradient with central finite differences of its loss, in double
// precision, the way `psml check-gradients` and the tests verify every model.
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
// coordinate is |a − n| / max(|a| + |n|, floor), with a the analytic derivative and
// n = (L(θ + h e_i) − L(θ − h e_i)) / 2h. The floor keeps derivatives that are (nearly) zero from
// turning the rounding noise of n, ~ε|L|/h, into a large relative error.
GradientCheck check_gradient(ModelT<double>& model, std::span<const double> params,
                             const data::BatchViewT<double>& batch,
                             std::size_t max_coordinates = 200, double step = 1e-5,
                             double floor = 1e-3);

}  // namespace psml::models
