// Builds a model from its name and options (`--model …`), for the data it will train on.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "psml/data/schema.hpp"
#include "psml/models/model.hpp"

namespace psml::models {

// Everything that defines a model's shape; with the run seed, enough to re-create it.
struct ModelSpec {
  std::string name = "softmax";
  // mlp
  std::vector<std::int64_t> hidden{256, 128};
  std::string activation = "relu";
  // mlp: cross-entropy | squared (auto: cross-entropy, squared for regression);
  // svm: hinge | squared-hinge (auto: hinge, squared-hinge with --solver lbfgs)
  std::string output = "auto";
  std::string init = "auto";  // he | xavier; auto: he for relu, xavier otherwise
  // rff-svm
  std::int64_t rff_dim = 2048;
  double gamma = 0.02;

  std::string describe() const;
  // The inverse of describe(), for specs stored in checkpoints; throws psml::Error.
  static ModelSpec parse(const std::string& text);
};

// The names --model accepts.
const std::vector<std::string>& model_names();

// Whether a model is one of the linear ones (linreg, logreg, softmax, svm): convex (--solver
// lbfgs), and trainable on sparse (CSR) rows (sparse_linear.hpp).
bool is_linear_model(const std::string& name);

// Throws psml::Error if the model does not fit the data (a regression model on class labels,
// logreg on more than two classes, ...). `seed` fixes random features (rff-svm).
template <class Scalar>
std::unique_ptr<ModelT<Scalar>> make_model(const ModelSpec& spec, std::int64_t features,
                                           data::Task task, std::int64_t num_classes,
                                           std::uint64_t seed);

}  // namespace psml::models
