#include "psml/optim/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "psml/core/error.hpp"

namespace psml::optim {

const std::map<std::string, ScheduleKind>& schedule_kinds() {
  static const std::map<std::string, ScheduleKind> kinds{
      {"constant", ScheduleKind::kConstant},
      {"step", ScheduleKind::kStep},
      {"exponential", ScheduleKind::kExponential},
      {"cosine", ScheduleKind::kCosine}};
  return kinds;
}

std::string to_string(ScheduleKind kind) {
  for (const auto& [name, k] : schedule_kinds())
    if (k == kind) return name;
  return "?";
}

Schedule::Schedule(const ScheduleSpec& spec, float base_lr, std::int64_t total_steps)
    : spec_(spec), base_(base_lr), total_(std::max<std::int64_t>(total_steps, 1)) {
  if (spec.step_size < 1) throw error("--lr-step-size must be >= 1, got ", spec.step_size);
}

float Schedule::lr(std::int64_t step) const {
  if (step <= spec_.warmup_steps)
    return base_ * static_cast<float>(step) / static_cast<float>(spec_.warmup_steps);
  const auto t = static_cast<double>(step - 1);
  double rate = base_;
  switch (spec_.kind) {
    case ScheduleKind::kConstant:
      break;
    case ScheduleKind::kStep:
      rate = base_ * std::pow(spec_.gamma, std::floor(t / static_cast<double>(spec_.step_size)));
      break;
    case ScheduleKind::kExponential:
      rate = base_ * std::pow(spec_.gamma, t / static_cast<double>(spec_.step_size));
      break;
    case ScheduleKind::kCosine: {
      const double progress = std::min(1.0, t / static_cast<double>(total_));
      rate = spec_.min_lr +
             (base_ - spec_.min_lr) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
      break;
    }
  }
  return static_cast<float>(rate);
}

}  // namespace psml::optim
