#include "psml/optim/optimizer_factory.hpp"

#include <sstream>

#include "psml/core/error.hpp"
#include "psml/optim/optimizers.hpp"

namespace psml::optim {

std::string OptimizerSpec::describe() const {
  std::ostringstream out;
  out << name << " lr=" << lr << " momentum=" << hyper.momentum << " beta1=" << hyper.beta1
      << " beta2=" << hyper.beta2 << " rho=" << hyper.rho << " eps=" << hyper.eps
      << " l2=" << reg.l2 << " l1=" << reg.l1 << " schedule=" << to_string(schedule.kind)
      << " gamma=" << schedule.gamma << " step_size=" << schedule.step_size
      << " min_lr=" << schedule.min_lr << " warmup=" << schedule.warmup_steps;
  return out.str();
}

std::string OptimizerSpec::summary() const {
  std::ostringstream out;
  out << name << " lr " << lr;
  if (name == "momentum" || name == "nesterov") out << " momentum " << hyper.momentum;
  if (name == "rmsprop") out << " rho " << hyper.rho;
  if (name == "adam" || name == "adamw") out << " betas " << hyper.beta1 << "/" << hyper.beta2;
  if (reg.l2 > 0) out << (name == "adamw" ? " weight decay " : " l2 ") << reg.l2;
  if (reg.l1 > 0) out << " l1 " << reg.l1;
  if (schedule.kind != ScheduleKind::kConstant)
    out << ", " << to_string(schedule.kind) << " schedule";
  if (schedule.warmup_steps > 0) out << ", " << schedule.warmup_steps << " warm-up steps";
  return out.str();
}

const std::vector<std::string>& optimizer_names() {
  static const std::vector<std::string> names{"sgd",     "momentum", "nesterov", "adagrad",
                                              "rmsprop", "adam",     "adamw"};
  return names;
}

std::unique_ptr<Optimizer> make_optimizer(const OptimizerSpec& spec) {
  static const Rule rules[] = {Rule::kSgd,     Rule::kMomentum, Rule::kNesterov, Rule::kAdagrad,
                               Rule::kRmsprop, Rule::kAdam,     Rule::kAdamW};
  const auto& names = optimizer_names();
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == spec.name)
      return std::make_unique<ElementwiseOptimizer>(rules[i], spec.hyper, spec.reg);
  throw error("--optimizer: unknown optimizer '", spec.name, "'");
}

}  // namespace psml::optim
