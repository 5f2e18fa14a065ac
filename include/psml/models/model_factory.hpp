// Builds a model from its name and options (`--model …`), for the data it will train on.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "psml/models/model.hpp"

namespace psml::models {

// Everything that defines a model's shape; stored in checkpoints to re-create it.
struct ModelSpec {
  std::string name = "softmax";
};

// The names --model accepts.
const std::vector<std::string>& model_names();

std::unique_ptr<Model> make_model(const ModelSpec& spec, std::int64_t features,
                                  std::int64_t num_classes);

}  // namespace psml::models
