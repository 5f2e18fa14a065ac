// Inference: what a fitted model of any kind (trained by psml train, fitted by psml fit) gives for
// a block of rows: scores, each row's class (cluster, component), class probabilities, predicted
// values and their predictive std. One interface, so that prediction files, eval, compare and the
// Python binding walk rows the same way whatever the model. No printing, no option parsing.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "psml/data/csr.hpp"
#include "psml/data/shard.hpp"

namespace psml::infer {

// Rows [first, first + count) of a CSR matrix: what a linear model trained on CSR data reads.
struct CsrBlock {
  const data::CsrRows* x = nullptr;
  std::int64_t first = 0, count = 0;
};

// A block of rows to predict for: dense rows (a view, row-major), or rows of a CSR matrix.
using RowBlock = std::variant<data::ConstRowsMap, CsrBlock>;

std::int64_t rows_of(const RowBlock& rows);

enum class PredictorKind { kTrained, kKMeans, kGmm, kNaiveBayes, kBayesLinreg };

// What a predictor gives for a block of rows. Which members it fills is the predictor's property
// (the has_* functions below); the others are left as they were.
struct Predictions {
  data::RowMatrix scores;             // rows x score_columns()
  std::vector<std::int32_t> classes;  // classes() > 0: each row's class, cluster or component
  Eigen::VectorXd values;             // a regression: each row's predicted value
  Eigen::VectorXd std;                // has_std(): the predictive standard deviation of each value
  data::RowMatrix probabilities;      // has_probabilities(): P(class | row), rows x classes()
  Eigen::MatrixXd log_probabilities;  // the same as logarithms, in double (what log loss needs)
};

class Predictor {
 public:
  virtual ~Predictor() = default;

  virtual PredictorKind kind() const = 0;
  virtual std::int64_t features() const = 0;
  // Columns of Predictions::scores; 0 where the model has none (Bayesian linear regression).
  virtual std::int64_t score_columns() const = 0;
  // The classes (k-means: clusters, GMM: components) a row is assigned one of; 0 for a regression,
  // which gives values instead.
  virtual std::int64_t classes() const = 0;
  virtual bool has_probabilities() const = 0;
  virtual bool has_std() const = 0;
  // How many rows to hand predict at a time when writing a prediction file: each kind keeps the
  // block its files have always been written in, since a matrix product's rounding may depend on
  // its number of rows (eval judges every kind in blocks of kJudgeBlockRows, judging.hpp).
  virtual std::int64_t block_rows() const = 0;
  // The user's label of each class id (classes() of them), where the model was trained on labels
  // that were not the ids themselves (strings, -1/+1, ...); empty otherwise.
  virtual std::span<const std::string> class_names() const { return {}; }

  // The predictions for `rows` into `out`; throws psml::Error for rows the model cannot take
  // (CSR rows for a model other than a linear one trained for them).
  virtual void predict(const RowBlock& rows, Predictions& out) = 0;
};

}  // namespace psml::infer
