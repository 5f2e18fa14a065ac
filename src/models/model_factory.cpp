#include "psml/models/model_factory.hpp"

#include <algorithm>
#include <iomanip>
#include <sstream>

#include "psml/core/error.hpp"
#include "psml/models/kernel_svm.hpp"
#include "psml/models/linear_model.hpp"
#include "psml/models/mlp.hpp"

namespace psml::models {
namespace {

void require_task(const ModelSpec& spec, data::Task needed, data::Task have) {
  if (needed != have)
    throw error("--model ", spec.name, " needs ", to_string(needed), " data, the data is a ",
                to_string(have), " set");
}

}  // namespace

std::string ModelSpec::describe() const {
  std::ostringstream out;
  out << name;
  if (name == "mlp") {
    out << " hidden=";
    for (std::size_t i = 0; i < hidden.size(); ++i) out << (i ? "," : "") << hidden[i];
    out << " activation=" << activation << " output=" << output << " init=" << init;
  }
  if (name == "svm" && output != "auto") out << " output=" << output;
  if (name == "rff-svm")  // full precision: the spec re-creates the same random features
    out << " rff_dim=" << rff_dim << " gamma=" << std::setprecision(17) << gamma;
  return out.str();
}

ModelSpec ModelSpec::parse(const std::string& text) {
  std::istringstream in(text);
  ModelSpec spec;
  in >> spec.name;
  for (std::string field; in >> field;) {
    const auto eq = field.find('=');
    if (eq == std::string::npos)
      throw error("model spec '", text, "': '", field, "' is not key=value");
    const auto key = field.substr(0, eq), value = field.substr(eq + 1);
    try {
      if (key == "hidden") {
        spec.hidden.clear();
        std::istringstream sizes(value);
        for (std::string size; std::getline(sizes, size, ',');)
          spec.hidden.push_back(std::stoll(size));
      } else if (key == "activation")
        spec.activation = value;
      else if (key == "output")
        spec.output = value;
      else if (key == "init")
        spec.init = value;
      else if (key == "rff_dim")
        spec.rff_dim = std::stoll(value);
      else if (key == "gamma")
        spec.gamma = std::stod(value);
      else
        throw error("model spec '", text, "': unknown field '", key, "'");
    } catch (const std::logic_error&) {
      throw error("model spec '", text, "': bad value in '", field, "'");
    }
  }
  if (std::find(model_names().begin(), model_names().end(), spec.name) == model_names().end())
    throw error("model spec '", text, "': unknown model '", spec.name, "'");
  return spec;
}

const std::vector<std::string>& model_names() {
  static const std::vector<std::string> names{"softmax", "logreg",  "linreg",
                                              "svm",     "rff-svm", "mlp"};
  return names;
}

bool is_linear_model(const std::string& name) {
  return name == "linreg" || name == "logreg" || name == "softmax" || name == "svm";
}

template <class Scalar>
std::unique_ptr<ModelT<Scalar>> make_model(const ModelSpec& spec, std::int64_t features,
                                           data::Task task, std::int64_t num_classes,
                                           std::uint64_t seed) {
  using C = data::Task;
  if (spec.output != "auto" && spec.name != "mlp" && spec.name != "svm")
    throw error("--output chooses the loss of an mlp or an svm, not of ", spec.name);
  if (spec.name == "linreg") {
    require_task(spec, C::kRegression, task);
    return std::make_unique<LinearModel<Scalar>>("linreg", LossKind::kSquared, features, 1);
  }
  if (spec.name == "mlp") {
    std::vector<Eigen::Index> sizes{features};
    sizes.insert(sizes.end(), spec.hidden.begin(), spec.hidden.end());
    LossKind loss = LossKind::kSoftmaxCrossEntropy;
    if (task == C::kRegression || spec.output == "squared")
      loss = LossKind::kSquared;
    else if (spec.output != "auto" && spec.output != "cross-entropy")
      throw error("--output: unknown output loss '", spec.output, "' (cross-entropy, squared)");
    if (task == C::kRegression && spec.output == "cross-entropy")
      throw error("--output cross-entropy needs class labels, the data is a regression set");
    sizes.push_back(task == C::kRegression ? 1 : num_classes);
    const auto activation = parse_activation(spec.activation);
    return std::make_unique<Mlp<Scalar>>(sizes, activation, loss,
                                         parse_init(spec.init, activation));
  }
  require_task(spec, C::kClassification, task);
  if (num_classes < 2)
    throw error("--model ", spec.name, " needs >= 2 classes, the data has ", num_classes);
  if (spec.name == "softmax")
    return std::make_unique<LinearModel<Scalar>>("softmax", LossKind::kSoftmaxCrossEntropy,
                                                 features, num_classes);
  if (spec.name == "logreg") {
    if (num_classes != 2)
      throw error("--model logreg is binary: it needs 2 classes (ids 0 and 1), the data has ",
                  num_classes, " (use softmax)");
    return std::make_unique<LinearModel<Scalar>>("logreg", LossKind::kLogistic, features, 1);
  }
  if (spec.name == "svm") {
    if (spec.output != "auto" && spec.output != "hinge" && spec.output != "squared-hinge")
      throw error("--output: the svm's loss is hinge or squared-hinge, not '", spec.output, "'");
    return std::make_unique<LinearModel<Scalar>>(
        "svm", spec.output == "squared-hinge" ? LossKind::kSquaredHinge : LossKind::kHinge,
        features, num_classes);
  }
  if (spec.name == "rff-svm")
    return std::make_unique<KernelSvm<Scalar>>(features, num_classes, spec.rff_dim, spec.gamma,
                                               seed);
  throw error("--model: unknown model '", spec.name, "'");
}

template std::unique_ptr<ModelT<float>> make_model(const ModelSpec&, std::int64_t, data::Task,
                                                   std::int64_t, std::uint64_t);
template std::unique_ptr<ModelT<double>> make_model(const ModelSpec&, std::int64_t, data::Task,
                                                    std::int64_t, std::uint64_t);

}  // namespace psml::models
