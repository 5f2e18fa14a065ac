#include <gtest/gtest.h>

#include <random>
#include <sstream>

#include "psml/core/error.hpp"
#include "psml/data/libsvm_reader.hpp"
#include "psml/models/model_factory.hpp"
#include "psml/models/sparse_logreg.hpp"

namespace psml {
namespace {

// Sparse logistic regression on CSR rows must compute what the dense logreg computes on the same
// rows written out densely: same loss, same gradient on the touched keys.
TEST(SparseLogisticRegression, MatchesTheDenseModelOnDensifiedRows) {
  const std::int64_t features = 12;
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  data::CsrRows x;
  Eigen::VectorXi classes(6);
  data::RowMatrix dense = data::RowMatrix::Zero(6, features);
  for (int r = 0; r < 6; ++r) {
    for (std::int64_t c = r % 3; c < features; c += 2 + r % 2) {
      const float v = normal(rng);
      x.indices.push_back(c);
      x.values.push_back(v);
      dense(r, c) = v;
    }
    x.indptr.push_back(static_cast<std::int64_t>(x.indices.size()));
    classes[r] = r % 2;
  }
  const std::vector<std::int64_t> rows{0, 2, 3, 5};
  models::SparseLogisticRegression sparse(features);
  std::vector<std::int64_t> keys;
  sparse.keys_of(x, rows, keys);
  EXPECT_EQ(keys.back(), features) << "the bias key comes last";
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));

  std::vector<float> all(static_cast<std::size_t>(features) + 1);
  for (auto& w : all) w = normal(rng);
  std::vector<float> weights;
  for (auto k : keys) weights.push_back(all[static_cast<std::size_t>(k)]);
  std::vector<float> grad(keys.size());
  const double loss = sparse.loss_and_gradient(x, rows, classes, keys, weights, grad);

  data::RowMatrix batch(4, features);
  std::vector<std::int32_t> labels;
  for (int i = 0; i < 4; ++i) {
    batch.row(i) = dense.row(rows[static_cast<std::size_t>(i)]);
    labels.push_back(classes[rows[static_cast<std::size_t>(i)]]);
  }
  models::ModelSpec spec;
  spec.name = "logreg";
  auto model = models::make_model<float>(spec, features, data::Task::kClassification, 2, 1);
  std::vector<float> dense_grad(all.size());
  const double dense_loss = model->loss_and_gradient(
      all, {data::ConstRowsMap(batch.data(), 4, features), labels, {}}, dense_grad);
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
  const auto sums = sparse.evaluate(x, rows, classes, keys, weights);
  EXPECT_NEAR(sums.loss, loss, 1e-4);
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

}  // namespace
}  // namespace psml
