// The inference module: class probabilities from each loss kind (models/loss_head.hpp), the block
// walk, and predictors of tiny models whose outputs are known by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "psml/core/error.hpp"
#include "psml/data/row_blocks.hpp"
#include "psml/infer/fitted_predictor.hpp"
#include "psml/infer/local_rows.hpp"
#include "psml/infer/trained_predictor.hpp"
#include "psml/models/loss_head.hpp"
#include "psml/models/model_factory.hpp"

namespace psml::infer {
namespace {

using models::LossKind;

data::RowMatrix matrix(Eigen::Index rows, Eigen::Index cols, std::vector<float> values) {
  return Eigen::Map<data::RowMatrix>(values.data(), rows, cols);
}

data::ConstRowsMap view(const data::RowMatrix& m) {
  return {m.data(), m.rows(), m.cols()};
}

TEST(Infer, SoftmaxProbabilitiesSumToOneAndMatchTheirLogs) {
  const auto scores = matrix(3, 4, {1, 2, 3, 4, -50, 0, 50, 0, 0, 0, 0, 0});
  data::RowMatrix p;
  Eigen::MatrixXd log_p;
  models::class_probabilities<float>(LossKind::kSoftmaxCrossEntropy, view(scores), p);
  models::class_log_probabilities<float>(LossKind::kSoftmaxCrossEntropy, view(scores), log_p);
  ASSERT_EQ(p.rows(), 3);
  ASSERT_EQ(p.cols(), 4);
  for (Eigen::Index i = 0; i < 3; ++i) {
    EXPECT_NEAR(p.row(i).sum(), 1.0f, 1e-6f);
    EXPECT_NEAR(log_p.row(i).array().exp().sum(), 1.0, 1e-12);
    for (Eigen::Index k = 0; k < 4; ++k) EXPECT_NEAR(std::exp(log_p(i, k)), p(i, k), 1e-6);
  }
  EXPECT_NEAR(p(0, 3) / p(0, 2), std::exp(1.0f), 1e-5f);  // the ratio of e^4 to e^3
  EXPECT_NEAR(p(2, 0), 0.25f, 1e-7f);
  EXPECT_TRUE(log_p.allFinite());  // e^50 overflows no sum
}

TEST(Infer, LogisticProbabilitiesAreTheSigmoid) {
  const auto scores = matrix(4, 1, {0, 2, -3, 800});
  data::RowMatrix p;
  Eigen::MatrixXd log_p;
  models::class_probabilities<float>(LossKind::kLogistic, view(scores), p);
  models::class_log_probabilities<float>(LossKind::kLogistic, view(scores), log_p);
  ASSERT_EQ(p.cols(), 2);
  for (Eigen::Index i = 0; i < 4; ++i) {
    const double s = scores(i, 0), sigma = 1 / (1 + std::exp(-s));
    EXPECT_NEAR(p(i, 1), sigma, 1e-6);
    EXPECT_NEAR(p(i, 0) + p(i, 1), 1.0f, 1e-6f);
    EXPECT_NEAR(std::exp(log_p(i, 1)), sigma, 1e-12);
    EXPECT_NEAR(std::exp(log_p(i, 0)), 1 - sigma, 1e-12);
  }
  EXPECT_DOUBLE_EQ(log_p(3, 0), -800.0);  // log σ(−800), not log 0
}

TEST(Infer, MarginsAndValuesHaveNoProbabilities) {
  EXPECT_TRUE(models::gives_probabilities(LossKind::kSoftmaxCrossEntropy));
  EXPECT_TRUE(models::gives_probabilities(LossKind::kLogistic));
  const auto scores = matrix(1, 2, {1, 2});
  data::RowMatrix p;
  for (const auto kind : {LossKind::kHinge, LossKind::kSquaredHinge, LossKind::kSquared}) {
    EXPECT_FALSE(models::gives_probabilities(kind));
    EXPECT_THROW(models::class_probabilities<float>(kind, view(scores), p), Error);
  }
}

TEST(Infer, PredictedClassFollowsTheLoss) {
  const auto one = matrix(2, 1, {0.5f, -0.5f});
  EXPECT_EQ(models::predicted_class<float>(LossKind::kLogistic, view(one), 0), 1);
  EXPECT_EQ(models::predicted_class<float>(LossKind::kLogistic, view(one), 1), 0);
  const auto tie = matrix(1, 3, {1, 3, 3});  // the first among equals
  EXPECT_EQ(models::predicted_class<float>(LossKind::kHinge, view(tie), 0), 1);
}

TEST(Infer, BlocksCoverEveryRowOnceInOrder) {
  for (const std::int64_t rows : {0, 1, 7, 1024, 1025, 5000})
    for (const std::int64_t block : {1, 3, 1024, 4096}) {
      std::vector<int> seen(static_cast<std::size_t>(rows), 0);
      std::int64_t next = 0;
      data::for_each_row_block(
          rows,
          [&](Eigen::Index first, Eigen::Index n) {
            EXPECT_EQ(first, next);
            EXPECT_GT(n, 0);
            EXPECT_LE(n, block);
            for (std::int64_t i = first; i < first + n; ++i) ++seen[static_cast<std::size_t>(i)];
            next = first + n;
          },
          block);
      EXPECT_EQ(next, rows);
      for (const int s : seen) EXPECT_EQ(s, 1) << rows << " rows in blocks of " << block;
    }
}

// logreg on two features: s = x0 − x1 + 0.5.
std::unique_ptr<models::Model> tiny_logreg(AlignedVector<float>& params) {
  models::ModelSpec spec;
  spec.name = "logreg";
  auto model = models::make_model<float>(spec, 2, data::Task::kClassification, 2, 1);
  params = {1.0f, -1.0f, 0.5f};
  return model;
}

TEST(Infer, TrainedPredictorOfATinyModel) {
  AlignedVector<float> params;
  auto model = tiny_logreg(params);
  auto p = make_trained_predictor(std::move(model), params, 2, 2);
  EXPECT_EQ(p->classes(), 2);
  EXPECT_EQ(p->score_columns(), 1);
  EXPECT_TRUE(p->has_probabilities());
  const auto x = matrix(3, 2, {1, 0, 0, 1, 2, 2});
  Predictions out;
  p->predict(data::ConstRowsMap(x.data(), 3, 2), out);
  const float s[3] = {1.5f, -0.5f, 0.5f};
  const std::int32_t want[3] = {1, 0, 1};
  for (int i = 0; i < 3; ++i) {
    EXPECT_FLOAT_EQ(out.scores(i, 0), s[i]);
    EXPECT_EQ(out.classes[static_cast<std::size_t>(i)], want[i]);
    EXPECT_NEAR(out.probabilities(i, 1), 1 / (1 + std::exp(-s[i])), 1e-6);
  }

  // The same model on the same rows in CSR form gives the same outputs.
  models::ModelSpec spec;
  spec.name = "logreg";
  auto sparse = make_trained_predictor(
      models::make_sparse_model<float>(spec, 2, data::Task::kClassification, 2), params, 2, 2,
      data::Task::kClassification);
  data::CsrRows csr;
  csr.indptr = {0, 1, 2, 4};
  csr.indices = {0, 1, 0, 1};
  csr.values = {1, 1, 2, 2};
  Predictions sparse_out;
  sparse->predict(CsrBlock{&csr, 0, 3}, sparse_out);
  EXPECT_EQ(sparse_out.scores, out.scores);
  EXPECT_EQ(sparse_out.classes, out.classes);
  EXPECT_EQ(sparse_out.probabilities, out.probabilities);
  EXPECT_THROW(p->predict(CsrBlock{&csr, 0, 3}, out), Error);
}

TEST(Infer, KMeansPredictorGivesTheNearestCentroid) {
  stats::KMeansModel km;
  km.centroids = Eigen::MatrixXd{{0, 0}, {10, 10}};
  auto p = make_fitted_predictor(km);
  EXPECT_EQ(p->kind(), PredictorKind::kKMeans);
  EXPECT_FALSE(p->has_probabilities());
  const auto x = matrix(3, 2, {1, 1, 9, 9, 0, 0});
  Predictions out;
  p->predict(data::ConstRowsMap(x.data(), 3, 2), out);
  EXPECT_EQ(out.classes, (std::vector<std::int32_t>{0, 1, 0}));
  EXPECT_EQ(out.scores, matrix(3, 2, {2, 162, 162, 2, 0, 200}));
}

TEST(Infer, PredictBlocksWalksEveryLocalRowOnce) {
  data::Shard shard;
  shard.x = data::RowMatrix::Random(2500, 2);
  shard.rows = {100, 2500};
  shard.info.rows = 2600;
  shard.info.features = 2;
  AlignedVector<float> params;
  auto model = tiny_logreg(params);
  auto p = make_trained_predictor(std::move(model), params, 2, 2);
  const LocalRows rows(shard);
  std::int64_t next = 0;
  predict_blocks(
      *p, rows, p->block_rows(), [&](std::int64_t first, std::int64_t n, const Predictions& out) {
        EXPECT_EQ(first, next);
        ASSERT_EQ(out.scores.rows(), n);
        for (std::int64_t i = 0; i < n; ++i)
          EXPECT_FLOAT_EQ(out.scores(i, 0), shard.x(first + i, 0) - shard.x(first + i, 1) + 0.5f);
        next = first + n;
      });
  EXPECT_EQ(next, 2500);
}

}  // namespace
}  // namespace psml::infer
