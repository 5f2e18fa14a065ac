#include "psml/infer/fitted_predictor.hpp"

#include <optional>

#include "psml/core/error.hpp"
#include "psml/data/row_blocks.hpp"

namespace psml::infer {
namespace {

// The fitted models' computations take whole row-major float matrices.
const data::RowMatrix& dense_rows(const RowBlock& rows, data::RowMatrix& copy) {
  const auto* x = std::get_if<data::ConstRowsMap>(&rows);
  if (!x) throw error("psml fit's models take dense rows, not CSR");
  copy = *x;
  return copy;
}

// What every fitted predictor has alike.
class FittedPredictor : public Predictor {
 public:
  std::int64_t block_rows() const override { return data::kRowBlock; }
  bool has_std() const override { return false; }
  bool has_probabilities() const override { return false; }

 protected:
  data::RowMatrix x_;  // the block, copied
};

class KMeansPredictor final : public FittedPredictor {
 public:
  explicit KMeansPredictor(stats::KMeansModel m)
      : model_(std::move(m)), nearest_(model_.centroids) {}
  PredictorKind kind() const override { return PredictorKind::kKMeans; }
  std::int64_t features() const override { return model_.centroids.cols(); }
  std::int64_t score_columns() const override { return model_.centroids.rows(); }
  std::int64_t classes() const override { return model_.centroids.rows(); }
  void predict(const RowBlock& rows, Predictions& out) override {
    const auto& x = dense_rows(rows, x_);
    const auto norms = stats::row_squared_norms(x);
    nearest_.distances(x, {norms.data(), static_cast<std::size_t>(norms.size())}, squared_);
    row_argmax(-squared_, out.classes);
    out.scores = squared_.cast<float>();
  }

 private:
  stats::KMeansModel model_;
  stats::NearestCentroid nearest_;
  Eigen::MatrixXd squared_;  // squared distances, rows x centroids
};

class GmmPredictor final : public FittedPredictor {
 public:
  explicit GmmPredictor(stats::GmmModel m) : model_(std::move(m)), scorer_(model_) {}
  PredictorKind kind() const override { return PredictorKind::kGmm; }
  std::int64_t features() const override { return model_.means.cols(); }
  std::int64_t score_columns() const override { return model_.means.rows(); }
  std::int64_t classes() const override { return model_.means.rows(); }
  void predict(const RowBlock& rows, Predictions& out) override {
    scorer_.responsibilities(dense_rows(rows, x_), resp_);
    row_argmax(resp_, out.classes);
    out.scores = resp_.cast<float>();
  }

 private:
  stats::GmmModel model_;
  stats::GmmScorer scorer_;  // refers to model_
  Eigen::MatrixXd resp_;
};

class NaiveBayesPredictor final : public FittedPredictor {
 public:
  explicit NaiveBayesPredictor(stats::NaiveBayesModel m) : model_(std::move(m)) {}
  PredictorKind kind() const override { return PredictorKind::kNaiveBayes; }
  std::int64_t features() const override { return model_.features(); }
  std::int64_t score_columns() const override { return model_.classes(); }
  std::int64_t classes() const override { return model_.classes(); }
  bool has_probabilities() const override { return true; }
  std::span<const std::string> class_names() const override { return model_.class_names; }
  void predict(const RowBlock& rows, Predictions& out) override {
    auto& log_p = out.log_probabilities;
    stats::joint_log_likelihood(model_, dense_rows(rows, x_), log_p);
    out.scores = log_p.cast<float>();
    row_argmax(log_p, out.classes);
    stats::normalize_log_rows(log_p);
    out.probabilities = log_p.array().exp().cast<float>();
  }

 private:
  stats::NaiveBayesModel model_;
};

class BayesLinregPredictor final : public FittedPredictor {
 public:
  explicit BayesLinregPredictor(stats::BayesLinregModel m) : model_(std::move(m)) {}
  PredictorKind kind() const override { return PredictorKind::kBayesLinreg; }
  std::int64_t features() const override { return model_.coef.size(); }
  std::int64_t score_columns() const override { return 0; }
  std::int64_t classes() const override { return 0; }
  bool has_std() const override { return true; }
  void predict(const RowBlock& rows, Predictions& out) override {
    stats::predict_bayes_linreg(model_, dense_rows(rows, x_), out.values, out.std);
  }

 private:
  stats::BayesLinregModel model_;
};

}  // namespace

std::unique_ptr<Predictor> make_fitted_predictor(stats::FittedModel model) {
  if (auto* m = std::get_if<stats::KMeansModel>(&model))
    return std::make_unique<KMeansPredictor>(std::move(*m));
  if (auto* m = std::get_if<stats::GmmModel>(&model))
    return std::make_unique<GmmPredictor>(std::move(*m));
  if (auto* m = std::get_if<stats::NaiveBayesModel>(&model))
    return std::make_unique<NaiveBayesPredictor>(std::move(*m));
  if (auto* m = std::get_if<stats::BayesLinregModel>(&model))
    return std::make_unique<BayesLinregPredictor>(std::move(*m));
  throw error("a fitted ", stats::model_kind(model),
              " model has no predictions (its transform gives its scores)");
}

std::int64_t features_of(const stats::FittedModel& model) {
  return std::visit(
      [](const auto& m) -> std::int64_t {
        using M = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<M, stats::KMeansModel>)
          return m.centroids.cols();
        else if constexpr (std::is_same_v<M, stats::PcaModel>)
          return m.mean.size();
        else if constexpr (std::is_same_v<M, stats::GmmModel>)
          return m.means.cols();
        else if constexpr (std::is_same_v<M, stats::NaiveBayesModel>)
          return m.features();
        else
          return m.coef.size();
      },
      model);
}

void row_argmax(const Eigen::MatrixXd& m, std::vector<std::int32_t>& ids) {
  ids.resize(static_cast<std::size_t>(m.rows()));
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    Eigen::Index best = 0;
    m.row(i).maxCoeff(&best);
    ids[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(best);
  }
}

}  // namespace psml::infer
