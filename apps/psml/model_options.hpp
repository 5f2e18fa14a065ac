// Command-line options that define a model, shared by `train` and `check-gradients`.
#pragma once

#include "cli11.hpp"

#include "psml/models/model_factory.hpp"
#include "validators.hpp"

namespace psml::cli {

inline void add_model_options(CLI::App* cmd, models::ModelSpec& spec) {
  cmd->add_option("--model", spec.name, "model to train")
      ->check(CLI::IsMember(models::model_names()))
      ->capture_default_str();
  cmd->add_option("--hidden", spec.hidden, "mlp: hidden layer sizes, e.g. --hidden 256,128")
      ->delimiter(',')
      ->check(layer_width)
      ->capture_default_str();
  cmd->add_option("--activation", spec.activation, "mlp: hidden activation")
      ->check(CLI::IsMember({"relu", "tanh", "sigmoid"}))
      ->capture_default_str();
  cmd->add_option("--output", spec.output,
                  "mlp: output loss (auto: cross-entropy, squared for regression); svm: hinge or "
                  "squared-hinge (auto: hinge, squared-hinge with --solver lbfgs)")
      ->check(CLI::IsMember({"auto", "cross-entropy", "squared", "hinge", "squared-hinge"}))
      ->capture_default_str();
  cmd->add_option("--init", spec.init,
                  "mlp: weight initialisation (auto: he for relu, xavier otherwise)")
      ->check(CLI::IsMember({"auto", "he", "xavier"}))
      ->capture_default_str();
  cmd->add_option("--rff-dim", spec.rff_dim, "rff-svm: number of random Fourier features")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20))
      ->capture_default_str();
  cmd->add_option("--gamma", spec.gamma,
                  "rff-svm: RBF kernel width, k(x,x') = exp(-gamma |x-x'|^2)")
      ->check(positive_number)
      ->capture_default_str();
}

}  // namespace psml::cli
