#include "psml/optim/optimizer_factory.hpp"

#include "psml/core/error.hpp"
#include "psml/optim/sgd.hpp"

namespace psml::optim {

const std::vector<std::string>& optimizer_names() {
  static const std::vector<std::string> names{"sgd"};
  return names;
}

std::unique_ptr<Optimizer> make_optimizer(const OptimizerSpec& spec) {
  if (spec.name == "sgd") return std::make_unique<Sgd>(spec.reg);
  throw error("--optimizer: unknown optimizer '", spec.name, "'");
}

}  // namespace psml::optim
