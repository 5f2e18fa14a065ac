#include "psml/exchange/divergence.hpp"

#include <cmath>

#include "psml/core/error.hpp"
#include "psml/core/finite.hpp"

namespace psml::exchange {

std::string divergence_message(const std::string& what, const StepInfo& info) {
  return detail::concat("training diverged: ", what, " at epoch ", info.epoch + 1, " step ",
                        info.step + 1, " (try a smaller --lr)");
}

void check_finite(double loss, std::span<const float> gradient, const StepInfo& info) {
  if (!std::isfinite(loss)) throw Error(divergence_message(detail::concat("loss is ", loss), info));
  if (!all_finite(gradient))
    throw Error(divergence_message("the gradient is not finite (nan or inf)", info));
}

}  // namespace psml::exchange
