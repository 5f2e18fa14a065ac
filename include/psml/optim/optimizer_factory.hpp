// Builds an optimizer from its name (`--optimizer …`) and hyper-parameters.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "psml/optim/optimizer.hpp"
#include "psml/optim/schedule.hpp"

namespace psml::optim {

struct OptimizerSpec {
  std::string name = "sgd";
  float lr = 0.1f;
  Hyper hyper;
  Regularization reg;
  ScheduleSpec schedule;

  std::string describe() const;  // every field: for fingerprints and stored configurations
  std::string summary() const;   // the fields that matter to this optimizer: for people
};

const std::vector<std::string>& optimizer_names();
std::unique_ptr<Optimizer> make_optimizer(const OptimizerSpec& spec);

}  // namespace psml::optim
