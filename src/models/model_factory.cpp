#include "psml/models/model_factory.hpp"

#include "psml/core/error.hpp"
#include "psml/models/softmax_regression.hpp"

namespace psml::models {

const std::vector<std::string>& model_names() {
  static const std::vector<std::string> names{"softmax"};
  return names;
}

std::unique_ptr<Model> make_model(const ModelSpec& spec, std::int64_t features,
                                  std::int64_t num_classes) {
  if (spec.name == "softmax") return std::make_unique<SoftmaxRegression>(features, num_classes);
  throw error("--model: unknown model '", spec.name, "'");
}

}  // namespace psml::models
