#include "psml/train/charged_learner.hpp"

#include <algorithm>

#include "psml/core/simulation.hpp"

namespace psml::train {

double ChargedLearner::loss_and_gradient(const Batch& batch, std::span<const float>,
                                         std::span<float> grad) {
  std::fill(grad.begin(), grad.end(), 0.0f);
  simulation::charge_compute(seconds_per_row_ * static_cast<double>(batch.rows()));
  return 0;
}

}  // namespace psml::train
