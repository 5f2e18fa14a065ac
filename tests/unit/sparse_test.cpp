#include <gtest/gtest.h>

#include <random>
#include <sstream>

#include "psml/core/error.hpp"
#include "psml/data/libsvm_reader.hpp"
#include "psml/models/model_factory.hpp"
#include "psml/models/sparse_linear.hpp"

namespace psml {
namespace {

// Every linear model on CSR rows must compute what the dense model computes on the same rows
// written out densely, with the same parameter layout: same loss, same gradient on the touched
// keys, none on the others.
struct SparseCase {
  const char* model;
  const char* output;
  data::Task task;
  std::int64_t classes;
};

class SparseLinear : public ::testing::TestWithParam<SparseCase> {};

TEST_P(SparseLinear, MatchesTheDenseModelOnDensifiedRows) {
  const auto& c = GetParam();
  const std::int64_t features = 12;
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  data::SparseShard shard;
  shard.classes.resize(6);
  shard.targets.resize(6);
  data::RowMatrix dense = data::RowMatrix::Zero(6, features);
  for (int r = 0; r < 6; ++r) {
    for (std::int64_t col = r % 3; col < features; col += 2 + r % 2) {
      const float v = normal(rng);
      shard.x.indices.push_back(col);
      shard.x.values.push_back(v);
      dense(r, col) = v;
    }
    shard.x.indptr.push_back(static_cast<std::int64_t>(shard.x.indices.size()));
    shard.classes[r] = c.classes > 0 ? static_cast<int>(r % c.classes) : 0;
    shard.targets[r] = normal(rng);
  }
  if (c.task == data::Task::kRegression)
    shard.classes.resize(0);
  else
    shard.targets.resize(0);
  const std::vector<std::int64_t> rows{0, 2, 3, 5};
  models::ModelSpec spec;
  spec.name = c.model;
  spec.output = c.output;
  auto sparse = models::make_sparse_model<float>(spec, features, c.task, c.classes);
  std::vector<std::int64_t> keys;
  sparse->keys_of(shard.x, rows, keys);
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  EXPECT_EQ(keys.back(), sparse->num_keys() - 1) << "the last bias key comes last";

  auto model = models::make_model<float>(spec, features, c.task, c.classes, 1);
  ASSERT_EQ(static_cast<std::int64_t>(model->num_params()), sparse->num_keys());
  std::vector<float> all(model->num_params());
  for (auto& w : all) w = 0.3f * normal(rng);
  std::vector<float> weights;
  for (auto k : keys) weights.push_back(all[static_cast<std::size_t>(k)]);
  std::vector<float> grad(keys.size());
  const double loss = sparse->loss_and_gradient(shard, rows, keys, weights, grad);

  data::RowMatrix batch(4, features);
  std::vector<std::int32_t> labels;
  std::vector<float> targets;
  for (int i = 0; i < 4; ++i) {
    const auto r = rows[static_cast<std::size_t>(i)];
    batch.row(i) = dense.row(r);
    if (c.task == data::Task::kRegression)
      targets.push_back(shard.targets[r]);
    else
      labels.push_back(shard.classes[r]);
  }
  std::vector<float> dense_grad(all.size());
  const double dense_loss = model->loss_and_gradient(
      all, {data::ConstRowsMap(batch.data(), 4, features), labels, targets}, dense_grad);
  EXPECT_NEAR(loss, dense_loss, 1e-4);
  std::vector<float> touched(all.size(), 0.0f);
  for (std::size_t k = 0; k < keys.size(); ++k) {
    EXPECT_NEAR(grad[k], dense_grad[static_cast<std::size_t>(keys[k])], 1e-5) << "key " << keys[k];
    touched[static_cast<std::size_t>(keys[k])] = 1;
  }
  for (std::size_t j = 0; j < all.size(); ++j)
    if (!touched[j]) {
      EXPECT_EQ(dense_grad[j], 0.0f) << "an untouched key has no gradient";
    }
  const auto sums = sparse->evaluate(shard, rows, keys, weights);
  EXPECT_NEAR(sums.loss, loss, 1e-4);
  const auto dense_sums =
      model->evaluate(all, {data::ConstRowsMap(batch.data(), 4, features), labels, targets});
  EXPECT_EQ(sums.correct, dense_sums.correct);
}

INSTANTIATE_TEST_SUITE_P(
    Models, SparseLinear,
    ::testing::Values(SparseCase{"logreg", "auto", data::Task::kClassification, 2},
                      SparseCase{"softmax", "auto", data::Task::kClassification, 3},
                      SparseCase{"svm", "auto", data::Task::kClassification, 3},
                      SparseCase{"svm", "squared-hinge", data::Task::kClassification, 3},
                      SparseCase{"linreg", "auto", data::Task::kRegression, 0}),
    [](const auto& p) {
      return std::string(p.param.model) + (std::string(p.param.output) == "auto" ? "" : "_squared");
    });

TEST(SparseLinear, RefusesOtherModels) {
  models::ModelSpec spec;
  spec.name = "mlp";
  EXPECT_THROW(models::make_sparse_model<float>(spec, 5, data::Task::kClassification, 2), Error);
}

TEST(Libsvm, ParsesRowsAndMapsPlusMinusOneLabels) {
  std::istringstream in("+1 3:0.5 10:1\n-1 1:2 # comment\n\n# only a comment\n-1 2:1e-3 4:7\n");
  const auto d = data::parse_libsvm(in, "f.svm", false);
  EXPECT_EQ(d.x.rows(), 3);
  EXPECT_EQ(d.x.indptr, (std::vector<std::int64_t>{0, 2, 3, 5}));
  EXPECT_EQ(d.x.indices, (std::vector<std::int64_t>{2, 9, 0, 1, 3}));
  EXPECT_EQ(d.classes, (std::vector<std::int32_t>{1, 0, 0}));
  EXPECT_EQ(d.num_features, 10);
  EXPECT_EQ(d.num_classes, 2);
}

TEST(Libsvm, RejectsBadLinesNamingTheLine) {
  const auto error_of = [](const std::string& text, bool zero_based = false) -> std::string {
    std::istringstream in(text);
    try {
      data::parse_libsvm(in, "f.svm", zero_based);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_EQ(error_of("1 1:2\nx 1:2\n"), "f.svm:2: label 'x' is not an integer class id");
  EXPECT_EQ(error_of("1 1:2 3\n"), "f.svm:1: '3' is not index:value");
  EXPECT_EQ(error_of("1 0:2\n"), "f.svm:1: index 0 is below 1 (indices are 1-based)");
  EXPECT_EQ(error_of("1 -1:2\n", true), "f.svm:1: index -1 is below 0");
  EXPECT_EQ(error_of("1 5:2 3:1\n"), "f.svm:1: indices must increase along a line (3 follows 5)");
  EXPECT_EQ(error_of("1 5:2 5:1\n"), "f.svm:1: indices must increase along a line (5 follows 5)");
  EXPECT_EQ(error_of("1 5:nan\n"), "f.svm:1: value of index 5 is not finite");
  EXPECT_EQ(error_of("1 5:abc\n"), "f.svm:1: '5:abc' is not index:value");
  EXPECT_EQ(error_of("\n# nothing\n"), "f.svm: holds no rows");
}

TEST(Libsvm, MapsLabelsByTheirBase) {
  const auto classes_of = [](const std::string& text, int base = data::kAutoLabels) {
    std::istringstream in(text);
    const auto d = data::parse_libsvm(in, "f.svm", false, base);
    return std::make_pair(d.classes, d.num_classes);
  };
  // Multi-class 1..K: 0..K-1; from 0: kept; only +1: binary class 1, unless the base says 1.
  EXPECT_EQ(classes_of("3 1:1\n1 1:1\n2 1:1\n").first, (std::vector<std::int32_t>{2, 0, 1}));
  EXPECT_EQ(classes_of("3 1:1\n1 1:1\n2 1:1\n").second, 3);
  EXPECT_EQ(classes_of("0 1:1\n2 1:1\n").first, (std::vector<std::int32_t>{0, 2}));
  EXPECT_EQ(classes_of("1 1:1\n1 1:1\n").first, (std::vector<std::int32_t>{1, 1}));
  EXPECT_EQ(classes_of("1 1:1\n1 1:1\n", 1).first, (std::vector<std::int32_t>{0, 0}));
  std::istringstream below("0 1:1\n");
  EXPECT_THROW(data::parse_libsvm(below, "f.svm", false, 1), Error);
  std::istringstream huge("-9223372036854775808 1:1\n");  // no overflow on the way to the error
  EXPECT_THROW(data::parse_libsvm(huge, "f.svm", false, 1), Error);
}

}  // namespace
}  // namespace psml
