// Learning-rate schedules: the rate of step t (1-based) of a run of T steps.
//   constant     η
//   step         η · γ^⌊(t−1)/S⌋                     (every S steps, multiply by γ)
//   exponential  η · γ^((t−1)/S)                     (smooth version of step)
//   cosine       η_min + (η − η_min) (1 + cos(π (t−1)/T)) / 2
// with an optional linear warm-up: η · t / W for the first W steps, the schedule after.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace psml::optim {

struct ScheduleSpec {
  std::string kind = "constant";
  float gamma = 0.1f;             // step, exponential: decay factor per `step_size` steps
  std::int64_t step_size = 1000;  // step, exponential: steps per decay
  float min_lr = 0.0f;            // cosine: the rate it ends at
  std::int64_t warmup_steps = 0;
};

const std::vector<std::string>& schedule_names();

class Schedule {
 public:
  Schedule(const ScheduleSpec& spec, float base_lr, std::int64_t total_steps);
  float lr(std::int64_t step) const;

 private:
  ScheduleSpec spec_;
  float base_;
  std::int64_t total_;
};

}  // namespace psml::optim
