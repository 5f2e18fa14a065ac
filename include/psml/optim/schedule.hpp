// Learning-rate schedules: the rate of step t (1-based) of a run of T steps.
//   constant     η
//   step         η · γ^⌊(t−1)/S⌋                     (every S steps, multiply by γ)
//   exponential  η · γ^((t−1)/S)                     (smooth version of step)
//   cosine       η_min + (η − η_min) (1 + cos(π (t−1)/T)) / 2
// with an optional linear warm-up: η · t / W for the first W steps, the schedule after.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "psml/optim/optimizer.hpp"

namespace psml::optim {

enum class ScheduleKind { kConstant, kStep, kExponential, kCosine };

// Each kind by the name --lr-schedule takes.
const std::map<std::string, ScheduleKind>& schedule_kinds();
std::string to_string(ScheduleKind kind);

struct ScheduleSpec {
  ScheduleKind kind = ScheduleKind::kConstant;
  float gamma = 0.1f;             // step, exponential: decay factor per `step_size` steps
  std::int64_t step_size = 1000;  // step, exponential: steps per decay
  float min_lr = 0.0f;            // cosine: the rate it ends at
  std::int64_t warmup_steps = 0;
};

class Schedule {
 public:
  Schedule(const ScheduleSpec& spec, float base_lr, std::int64_t total_steps);
  float lr(std::int64_t step) const;
  // What the optimizer needs for the update of global step `step`: its rate, and t = step;
  // the gradient it is given is multiplied by `grad_scale`.
  StepContext at(std::int64_t step, float grad_scale = 1.0f) const {
    return {lr(step), step, grad_scale};
  }

 private:
  ScheduleSpec spec_;
  float base_;
  std::int64_t total_;
};

}  // namespace psml::optim
