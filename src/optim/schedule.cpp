#include "psml/optim/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "psml/core/error.hpp"

namespace psml::optim {

const std::vector<std::string>& schedule_names() {
  static const std::vector<std::string> names{"constant", "step", "exponential", "cosine"};
  return names;
}

Schedule::Schedule(const ScheduleSpec& spec, float base_lr, std::int64_t total_steps)
    : spec_(spec), base_(base_lr), total_(std::max<std::int64_t>(total_steps, 1)) {
  if (std::find(schedule_names().begin(), schedule_names().end(), spec.kind) ==
      schedule_names().end())
    throw error("--lr-schedule: unknown schedule '", spec.kind, "'");
  if (spec.step_size < 1) throw error("--lr-step-size must be >= 1, got ", spec.step_size);
}

float Schedule::lr(std::int64_t step) const {
  if (step <= spec_.warmup_steps)
    return base_ * static_cast<float>(step) / static_cast<float>(spec_.warmup_steps);
  const auto t = static_cast<double>(step - 1);
  double rate = base_;
  if (spec_.kind == "step") {
    rate = base_ * std::pow(spec_.gamma, std::floor(t / static_cast<double>(spec_.step_size)));
  } else if (spec_.kind == "exponential") {
    rate = base_ * std::pow(spec_.gamma, t / static_cast<double>(spec_.step_size));
  } else if (spec_.kind == "cosine") {
    const double progress = std::min(1.0, t / static_cast<double>(total_));
    rate =
        spec_.min_lr + (base_ - spec_.min_lr) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
  }
  return static_cast<float>(rate);
}

}  // namespace psml::optim
