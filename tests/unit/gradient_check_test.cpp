#include "psml/models/gradient_check.hpp"

#include <gtest/gtest.h>

#include <random>

#include "psml/core/error.hpp"
#include "psml/core/rng.hpp"
#include "psml/models/model_factory.hpp"

namespace psml::models {
namespace {

using Matrix = data::RowMatrixT<double>;

struct RandomBatch {
  Matrix x;
  std::vector<std::int32_t> classes;
  std::vector<double> targets;
  data::BatchViewT<double> view() const {
    return {Eigen::Map<const Matrix>(x.data(), x.rows(), x.cols()), classes, targets};
  }
};

RandomBatch random_batch(Eigen::Index rows, Eigen::Index features, int classes, bool regression) {
  auto rng = make_rng(3, RngPurpose::kSynthetic);
  std::normal_distribution<double> normal;
  RandomBatch b;
  b.x.resize(rows, features);
  for (Eigen::Index i = 0; i < b.x.size(); ++i) b.x.data()[i] = normal(rng);
  for (Eigen::Index i = 0; i < rows; ++i) {
    if (regression)
      b.targets.push_back(normal(rng));
    else
      b.classes.push_back(static_cast<std::int32_t>(i % classes));
  }
  return b;
}

std::vector<double> random_params(std::size_t n) {
  auto rng = make_rng(4, RngPurpose::kInit);
  std::normal_distribution<double> normal(0.0, 0.3);
  std::vector<double> p(n);
  for (auto& v : p) v = normal(rng);
  return p;
}

struct Case {
  std::string label;
  ModelSpec spec;
  int classes;
  bool regression;
};

std::vector<Case> every_model() {
  std::vector<Case> cases;
  ModelSpec s;
  for (std::string name : {"softmax", "svm"}) {
    s.name = name;
    cases.push_back({name, s, 4, false});
  }
  s.name = "logreg";
  cases.push_back({"logreg", s, 2, false});
  s.name = "linreg";
  cases.push_back({"linreg", s, 0, true});
  s.name = "rff-svm";
  s.rff_dim = 32;
  s.gamma = 0.1;
  cases.push_back({"rff-svm", s, 3, false});
  s.name = "mlp";
  s.hidden = {7, 5};
  for (std::string activation : {"relu", "tanh", "sigmoid"}) {
    s.activation = activation;
    for (std::string output : {"cross-entropy", "squared"}) {
      s.output = output;
      cases.push_back({"mlp-" + activation + "-" + output, s, 3, false});
    }
    s.output = "auto";
    cases.push_back({"mlp-" + activation + "-regression", s, 0, true});
  }
  return cases;
}

TEST(GradientCheck, EveryModelMatchesCentralDifferencesInDouble) {
  for (const auto& c : every_model()) {
    SCOPED_TRACE(c.label);
    const auto task = c.regression ? data::Task::kRegression : data::Task::kClassification;
    auto model = make_model<double>(c.spec, 6, task, c.classes, 9);
    const auto batch = random_batch(9, 6, c.classes, c.regression);
    const auto params = random_params(model->num_params());
    const auto check = check_gradient(*model, params, batch.view(), 100000);
    EXPECT_EQ(check.checked, model->num_params());
    EXPECT_LT(check.worst_relative_error, 1e-5) << "worst at key " << check.worst_index;
  }
}

TEST(GradientCheck, DetectsAWrongGradient) {
  // A model whose gradient is 1% off must fail the check: the check itself can fail.
  class Scaled final : public ModelT<double> {
   public:
    explicit Scaled(std::unique_ptr<ModelT<double>> inner) : inner_(std::move(inner)) {}
    std::string name() const override { return "scaled"; }
    std::size_t num_params() const override { return inner_->num_params(); }
    data::Task task() const override { return inner_->task(); }
    LossKind loss() const override { return inner_->loss(); }
    void init_params(std::span<double> p, std::uint64_t s) const override {
      inner_->init_params(p, s);
    }
    double loss_and_gradient(std::span<const double> p, const data::BatchViewT<double>& b,
                             std::span<double> g) override {
      const double loss = inner_->loss_and_gradient(p, b, g);
      for (auto& v : g) v *= 1.01;
      return loss;
    }
    EvalSums evaluate(std::span<const double> p, const data::BatchViewT<double>& b) override {
      return inner_->evaluate(p, b);
    }
    data::ConstRowsMapT<double> scores(std::span<const double> p,
                                       const data::BatchViewT<double>& b) override {
      return inner_->scores(p, b);
    }
    void reserve(Eigen::Index rows) override { inner_->reserve(rows); }

   private:
    std::unique_ptr<ModelT<double>> inner_;
  };
  ModelSpec spec;
  spec.name = "mlp";
  spec.hidden = {4};
  Scaled model(make_model<double>(spec, 5, data::Task::kClassification, 3, 1));
  const auto batch = random_batch(5, 5, 3, false);
  const auto params = random_params(model.num_params());
  EXPECT_GT(check_gradient(model, params, batch.view()).worst_relative_error, 4e-3);
}

TEST(Models, FloatAndDoubleInstancesAgree) {
  ModelSpec spec;
  spec.name = "rff-svm";
  spec.rff_dim = 16;
  auto f = make_model<float>(spec, 6, data::Task::kClassification, 3, 5);
  auto d = make_model<double>(spec, 6, data::Task::kClassification, 3, 5);
  const auto batch = random_batch(8, 6, 3, false);
  const auto params = random_params(f->num_params());
  const data::RowMatrix xf = batch.x.cast<float>();
  const std::vector<float> pf(params.begin(), params.end());
  std::vector<float> gf(pf.size());
  std::vector<double> gd(params.size());
  const double lf =
      f->loss_and_gradient(pf, {data::ConstRowsMap(xf.data(), 8, 6), batch.classes, {}}, gf);
  const double ld = d->loss_and_gradient(params, batch.view(), gd);
  EXPECT_NEAR(lf, ld, 1e-4 * std::abs(ld));
  for (std::size_t i = 0; i < gf.size(); ++i) EXPECT_NEAR(gf[i], gd[i], 1e-4) << i;
}

TEST(Models, RejectDataTheyCannotFit) {
  ModelSpec spec;
  spec.name = "linreg";
  EXPECT_THROW(make_model<float>(spec, 3, data::Task::kClassification, 2, 1), Error);
  spec.name = "logreg";
  EXPECT_THROW(make_model<float>(spec, 3, data::Task::kClassification, 3, 1), Error);
  spec.name = "softmax";
  EXPECT_THROW(make_model<float>(spec, 3, data::Task::kRegression, 0, 1), Error);
}

TEST(Softmax, EvaluateCountsArgMaxAgreement) {
  auto model = make_model<float>({"softmax"}, 2, data::Task::kClassification, 2, 1);
  // W = [[1, 0], [0, 1]], b = 0: the larger feature wins.
  const std::vector<float> params{1, 0, 0, 1, 0, 0};
  data::RowMatrix x(3, 2);
  x << 2, 0, 0, 2, 3, 1;
  const std::vector<std::int32_t> classes{0, 1, 1};
  const auto sums = model->evaluate(params, {data::ConstRowsMap(x.data(), 3, 2), classes, {}});
  EXPECT_EQ(sums.rows, 3);
  EXPECT_EQ(sums.correct, 2);
  const double expected_loss = std::log(1 + std::exp(-2.0)) * 2 + std::log(1 + std::exp(2.0));
  EXPECT_NEAR(sums.loss, expected_loss, 1e-5);
}

TEST(Mlp, HeAndXavierInitialisationHaveTheirVariance) {
  ModelSpec spec;
  spec.name = "mlp";
  spec.hidden = {400};
  for (std::string activation : {"relu", "tanh"}) {
    spec.activation = activation;
    auto model = make_model<float>(spec, 300, data::Task::kClassification, 10, 1);
    std::vector<float> p(model->num_params());
    model->init_params(p, 7);
    double sum = 0, sq = 0;
    const std::size_t n = 300 * 400;
    for (std::size_t i = 0; i < n; ++i) {
      sum += p[i];
      sq += double{p[i]} * p[i];
    }
    const double var = sq / n - (sum / n) * (sum / n);
    const double expected =
        activation == "relu" ? 2.0 / 300 : 6.0 / (300 + 400) / 3;  // U(±a): a²/3
    EXPECT_NEAR(var, expected, 0.03 * expected) << activation;
    EXPECT_EQ(p[n], 0.0f) << "biases start at zero";
    std::vector<float> again(p.size());
    model->init_params(again, 7);
    EXPECT_EQ(p, again);
  }
}

}  // namespace
}  // namespace psml::models
