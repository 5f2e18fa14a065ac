// A diverged run stops at the step where its loss or gradient stops being finite, before the
// optimizer applies it: the parameters (and so every checkpoint) stay those of the last good step.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "psml/exchange/exchange.hpp"

namespace psml::exchange {

// "training diverged: <what> at epoch E step S (try a smaller --lr)", E and S 1-based.
std::string divergence_message(const std::string& what, const StepInfo& info);

// Throws psml::Error with that message if this worker's loss or gradient is not finite
// (parameter-server workers: only this worker knows them, so it ends the job alone).
void check_finite(double loss, std::span<const float> gradient, const StepInfo& info);

}  // namespace psml::exchange
