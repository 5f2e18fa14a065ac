#include "psml/models/gradient_check.hpp"

#include <gtest/gtest.h>

#include <random>

#include "psml/core/rng.hpp"
#include "psml/models/model_factory.hpp"

namespace psml::models {
namespace {

struct RandomBatch {
  data::RowMatrix x;
  std::vector<std::int32_t> classes;
  data::BatchView view() const {
    return {data::ConstRowsMap(x.data(), x.rows(), x.cols()), classes, {}};
  }
};

RandomBatch random_batch(Eigen::Index rows, Eigen::Index features, int classes,
                         std::uint64_t seed) {
  auto rng = make_rng(seed, RngPurpose::kSynthetic);
  std::normal_distribution<float> normal;
  RandomBatch b;
  b.x.resize(rows, features);
  for (Eigen::Index i = 0; i < b.x.size(); ++i) b.x.data()[i] = normal(rng);
  for (Eigen::Index i = 0; i < rows; ++i)
    b.classes.push_back(static_cast<std::int32_t>(i % classes));
  return b;
}

std::vector<float> random_params(std::size_t n, std::uint64_t seed) {
  auto rng = make_rng(seed, RngPurpose::kInit);
  std::normal_distribution<float> normal(0.0f, 0.3f);
  std::vector<float> p(n);
  for (auto& v : p) v = normal(rng);
  return p;
}

TEST(GradientCheck, SoftmaxRegressionMatchesFiniteDifferences) {
  auto model = make_model({"softmax"}, 12, 4);
  const auto batch = random_batch(9, 12, 4, 3);
  const auto params = random_params(model->num_params(), 4);
  const auto check = check_gradient(*model, params, batch.view(), 1000);
  EXPECT_EQ(check.checked, model->num_params());
  EXPECT_LT(check.worst_relative_error, 1e-2) << "worst at key " << check.worst_index;
}

TEST(GradientCheck, DetectsAWrongGradient) {
  // A model whose gradient is off by a factor must fail the check: the check itself can fail.
  class Scaled final : public Model {
   public:
    explicit Scaled(std::unique_ptr<Model> inner) : inner_(std::move(inner)) {}
    std::string name() const override { return "scaled"; }
    std::size_t num_params() const override { return inner_->num_params(); }
    data::Task task() const override { return inner_->task(); }
    void init_params(std::span<float> p, std::uint64_t s) const override {
      inner_->init_params(p, s);
    }
    double loss_and_gradient(std::span<const float> p, const data::BatchView& b,
                             std::span<float> g) override {
      const double loss = inner_->loss_and_gradient(p, b, g);
      for (auto& v : g) v *= 1.1f;
      return loss;
    }
    EvalSums evaluate(std::span<const float> p, const data::BatchView& b) override {
      return inner_->evaluate(p, b);
    }

   private:
    std::unique_ptr<Model> inner_;
  } model(make_model({"softmax"}, 6, 3));
  const auto batch = random_batch(5, 6, 3, 1);
  const auto params = random_params(model.num_params(), 2);
  EXPECT_GT(check_gradient(model, params, batch.view()).worst_relative_error, 0.04);
}

TEST(SoftmaxRegression, EvaluateCountsArgMaxAgreement) {
  auto model = make_model({"softmax"}, 2, 2);
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

}  // namespace
}  // namespace psml::models
