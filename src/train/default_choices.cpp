#include "psml/train/default_choices.hpp"

#include <algorithm>

#include "psml/core/error.hpp"
#include "psml/models/model_factory.hpp"
#include "psml/train/option_rules.hpp"

namespace psml::train {
namespace {

bool was_given(const std::vector<std::string>& given, std::string_view option) {
  return std::find(given.begin(), given.end(), option) != given.end();
}

// The first given option that only minibatch steps read: a row of the option table whose
// condition on --solver leaves out lbfgs.
std::string_view first_step_option(const std::vector<std::string>& given) {
  for (const auto& rule : option_rules()) {
    if (!was_given(given, rule.option)) continue;
    for (const auto& condition : rule.applies_when)
      if (condition.on == "solver" && std::find(condition.values.begin(), condition.values.end(),
                                                "lbfgs") == condition.values.end())
        return rule.option;
  }
  return {};
}

// Why --solver auto takes minibatch steps for a linear model; empty: it solves to convergence.
std::string why_steps(const TrainConfig& config, const std::vector<std::string>& given) {
  if (config.mode == Mode::kPs) return "--mode ps trains by steps";
  if (config.data_memory > 0) return "--data-memory streams the rows";
  if (!config.resume.empty()) return "--resume continues a run of steps";
  if (config.model.name == "svm" && config.model.output == "hinge")
    return "--output hinge is not smooth";
  if (const auto option = first_step_option(given); !option.empty())
    return detail::concat("--", option, " was given");
  return {};
}

void choose_solver(TrainConfig& config, const std::vector<std::string>& given) {
  const auto& model = config.model.name;
  if (!models::is_linear_model(model)) {
    config.solver = Solver::kSgd;  // the only solver of the MLP and the RFF SVM: nothing to say
    return;
  }
  if (const auto why = why_steps(config, given); !why.empty()) {
    config.solver = Solver::kSgd;
    config.default_choices.push_back(detail::concat("solver: minibatch steps, as ", why,
                                                    " (--solver auto solves ", model,
                                                    " to convergence otherwise)"));
    return;
  }
  if (model == "linreg" && config.optimizer.reg.l1 == 0) {
    config.solver = Solver::kExact;
    config.default_choices.push_back(
        detail::concat("solver: the closed form (--solver auto for linreg, as scikit-learn's "
                       "LinearRegression; --solver sgd for minibatch steps)"));
    return;
  }
  config.solver = Solver::kLbfgs;
  config.l2_per_row = !was_given(given, "l2");
  config.default_choices.push_back(
      detail::concat("solver: full-batch L-BFGS to convergence (--solver auto for ", model,
                     " with its rows in memory, as scikit-learn",
                     config.l2_per_row ? "; l2 = 1 / rows, its C = 1" : "",
                     "; --solver sgd for minibatch steps)"));
}

void choose_optimizer(TrainConfig& config, const std::vector<std::string>& given) {
  if (config.solver != Solver::kSgd) return;
  auto& optimizer = config.optimizer;
  if (config.model.name == "mlp" && !was_given(given, "optimizer")) {
    optimizer.name = "adam";
    config.default_choices.push_back(detail::concat(
        "optimizer: adam (the default for mlp, as scikit-learn's MLPClassifier; --optimizer "
        "sgd for plain steps)"));
  }
  if (config.model.name == "mlp" && !was_given(given, "lr-schedule")) {
    optimizer.schedule.kind = optim::ScheduleKind::kCosine;
    config.default_choices.push_back(detail::concat(
        "lr-schedule: cosine to 0 over the run (the default for mlp: the last epochs settle; "
        "--lr-schedule constant keeps the rate)"));
  }
  if (!was_given(given, "lr")) optimizer.lr = default_learning_rate(optimizer.name);
}

}  // namespace

float default_learning_rate(const std::string& optimizer) {
  if (optimizer == "adam" || optimizer == "adamw") return 1e-3f;
  if (optimizer == "rmsprop" || optimizer == "adagrad") return 1e-2f;
  return 0.1f;
}

void choose_defaults(TrainConfig& config, const std::vector<std::string>& given) {
  if (config.solver == Solver::kAuto) choose_solver(config, given);
  choose_optimizer(config, given);
}

}  // namespace psml::train
