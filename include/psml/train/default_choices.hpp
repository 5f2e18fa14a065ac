// What psml chooses where the command line leaves a choice open, and why, so that a user who
// knows scikit-learn and not psml's solvers gets scikit-learn's result with default options:
//   --solver auto  The convex linear models are solved to convergence when a run could do so, as
//                  scikit-learn does: linreg in closed form (LinearRegression), logreg, softmax
//                  and svm by full-batch L-BFGS with an L2 weight of 1 / (training rows), the
//                  C = 1 of LogisticRegression() and LinearSVC(). Minibatch steps otherwise: the
//                  MLP and the RFF SVM, --mode ps, --data-memory, --resume, or an option that
//                  only steps read (--lr, --epochs, ...: the option table's --solver sgd rows).
//   the optimizer  The MLP's default is Adam (scikit-learn's MLPClassifier and PyTorch users'
//                  choice) with a cosine schedule over the run: on Fashion-MNIST its tenth epoch
//                  reaches 0.892 (0.883 at a constant rate, which wanders from epoch to epoch).
//                  Every other model keeps plain SGD at a constant rate.
//   --lr           When not given, the chosen optimizer's usual rate: 0.001 for Adam and AdamW,
//                  0.01 for RMSprop and AdaGrad, 0.1 for the SGD family.
// Each choice that is not what the user wrote is said in a line of the run header.
#pragma once

#include <string>
#include <vector>

#include "psml/train/train_config.hpp"

namespace psml::train {

// Resolves config.solver == kAuto and the open optimizer choices in place, given the long names
// of the options the command line or --config file gave, and appends a line per choice to
// config.default_choices. Call before check_options.
void choose_defaults(TrainConfig& config, const std::vector<std::string>& given);

// The learning rate an optimizer gets when --lr is not given.
float default_learning_rate(const std::string& optimizer);

}  // namespace psml::train
