// Using a trained model: psml eval, psml compare, psml predict, psml checkpoint inspect.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>
#include "commands.hpp"
#include "output_file.hpp"
#include "psml/checkpoint/checkpoint.hpp"
#include "psml/comm/agreement.hpp"
#include "psml/core/aligned.hpp"
#include "psml/core/error.hpp"
#include "psml/data/csr.hpp"
#include "psml/data/h5.hpp"
#include "psml/data/shard_reader.hpp"
#include "psml/models/model_factory.hpp"
#include "psml/models/sparse_linear.hpp"
#include "psml/stats/classification_report.hpp"
#include "psml/stats/hypothesis.hpp"
#include "psml/stats/model_file.hpp"
#include "psml/stats/naive_bayes.hpp"

namespace psml::cli {
namespace {

// A saved model's (or checkpoint's) model, its parameters, and this rank's rows of a data file,
// all validated on every rank before anything collective happens. Sparse (CSR) data goes with a
// linear model, computed on the keys each block of rows touches.
struct Loaded {
  std::string path;
  checkpoint::Metadata meta;
  std::unique_ptr<models::Model> model;                            // dense data
  std::unique_ptr<models::SparseLinearModel<float>> sparse_model;  // sparse data
  AlignedVector<float> params;
  data::Shard shard;
  data::SparseShard sparse_shard;
  std::int64_t first_row = 0;  // this rank's first row of the file
  std::int64_t rows() const { return model ? shard.x.rows() : sparse_shard.x.rows(); }
};

Loaded load(const std::string& checkpoint_path, const std::string& data_path,
            const comm::Communicator& world) {
  Loaded l;
  std::vector<std::string> notes;
  comm::run_agreed(world, [&] {
    l.path = checkpoint::find_valid_checkpoint(checkpoint_path, notes);
    l.meta = checkpoint::read_metadata(l.path);
    const auto spec = models::ModelSpec::parse(l.meta.model);
    const auto task =
        l.meta.task == "regression" ? data::Task::kRegression : data::Task::kClassification;
    auto info = data::describe_dataset(data_path);
    if (info.features != l.meta.features)
      throw error(data_path, ": has ", info.features, " features, the model in ", l.path, " takes ",
                  l.meta.features);
    if (info.task != task)
      throw error(data_path, ": is a ", to_string(info.task), " set, the model in ", l.path,
                  " is for ", l.meta.task);
    if (info.rows < world.size())
      throw error(data_path, ": has ", info.rows, " rows, fewer than the ", world.size(), " ranks");
    std::int64_t num_params = 0;
    if (info.sparse) {
      if (!models::is_linear_model(spec.name))
        throw error(data_path, ": sparse (CSR) data goes with a linear model, the model in ",
                    l.path, " is '", l.meta.model, "'");
      l.sparse_model =
          models::make_sparse_model<float>(spec, info.features, task, l.meta.num_classes);
      num_params = l.sparse_model->num_keys();
    } else {
      l.model =
          models::make_model<float>(spec, l.meta.features, task, l.meta.num_classes, l.meta.seed);
      num_params = static_cast<std::int64_t>(l.model->num_params());
    }
    if (num_params != l.meta.num_params)
      throw error(l.path, ": holds ", l.meta.num_params, " parameters, its model '", l.meta.model,
                  "' has ", num_params, info.sparse ? " on sparse data" : "");
    l.params.resize(static_cast<std::size_t>(l.meta.num_params));
    std::vector<float> state(static_cast<std::size_t>(l.meta.num_params * l.meta.state_slots));
    checkpoint::read_range(l.path, l.meta, data::RowRange{0, l.meta.num_params}, l.params, state);
    info.num_classes = l.meta.num_classes;  // ids must be classes the model knows
    const auto range = data::balanced_range(info.rows, world.size(), world.rank());
    l.first_row = range.first;
    if (info.sparse)
      l.sparse_shard = data::read_sparse_shard(info, range);
    else
      l.shard = data::read_shard(info, range);
  });
  if (world.rank() == 0)
    for (const auto& note : notes) std::cout << note << "\n";
  return l;
}

constexpr std::int64_t kBlock = 1024;

using ScoresView = Eigen::Map<const data::RowMatrixT<float>>;

// One block of a rank's rows as the model sees them.
struct Block {
  std::int64_t first = 0;  // in this rank's rows
  const float* score_values = nullptr;
  Eigen::Index rows = 0, outputs = 0;
  std::span<const std::int32_t> classes;  // classification
  models::EvalSums sums;
  ScoresView scores() const { return {score_values, rows, outputs}; }
};

// Calls f(block) for each block of this rank's rows, in order.
template <class F>
void for_each_block(Loaded& l, F f) {
  std::vector<std::int64_t> rows, keys;
  std::vector<float> weights;
  for (std::int64_t first = 0; first < l.rows(); first += kBlock) {
    const auto n = std::min(kBlock, l.rows() - first);
    Block b;
    b.first = first;
    if (l.model) {
      const auto batch = l.shard.view(first, n);
      b.sums = l.model->evaluate(l.params, batch);
      const auto& s = l.model->scores(l.params, batch);
      b.score_values = s.data();
      b.rows = s.rows();
      b.outputs = s.cols();
      b.classes = batch.classes;
    } else {
      const auto& x = l.sparse_shard.x;
      rows.resize(static_cast<std::size_t>(n));
      for (std::int64_t i = 0; i < n; ++i) rows[static_cast<std::size_t>(i)] = first + i;
      l.sparse_model->keys_of(x, rows, keys);
      models::SparseLinearModel<float>::gather(keys, l.params, weights);
      b.sums = l.sparse_model->evaluate(l.sparse_shard, rows, keys, weights);
      const auto s = l.sparse_model->scores(x, rows, keys, weights);
      b.score_values = s.data();
      b.rows = n;
      b.outputs = s.cols();
      if (l.sparse_shard.classes.size())
        b.classes = {l.sparse_shard.classes.data() + first, static_cast<std::size_t>(n)};
    }
    f(b);
  }
}

// The class a row of scores predicts: the largest score, or score > 0 for one output.
Eigen::Index predicted_class(const ScoresView& scores, Eigen::Index row) {
  Eigen::Index best = 0;
  if (scores.cols() == 1)
    best = scores(row, 0) > 0 ? 1 : 0;
  else
    scores.row(row).maxCoeff(&best);
  return best;
}

// Whether a classifier's scores are logits (trained with cross-entropy or the logistic loss), so
// that their softmax is the model's class probabilities; an SVM's margins are not.
bool scores_are_logits(const models::ModelSpec& spec) {
  return spec.name == "logreg" || spec.name == "softmax" ||
         (spec.name == "mlp" && spec.output != "squared");
}

// Row i's class probabilities from its scores: the softmax, or for one output (binary) the
// sigmoid as [P(0), P(1)].
void probabilities_of(const ScoresView& scores, Eigen::Index i, float* out) {
  if (scores.cols() == 1) {
    const float p = 1.0f / (1.0f + std::exp(-scores(i, 0)));
    out[0] = 1.0f - p;
    out[1] = p;
    return;
  }
  const float top = scores.row(i).maxCoeff();
  float sum = 0;
  for (Eigen::Index k = 0; k < scores.cols(); ++k) sum += out[k] = std::exp(scores(i, k) - top);
  for (Eigen::Index k = 0; k < scores.cols(); ++k) out[k] /= sum;
}

// The rows' class log-probabilities from their scores, in double: the log-softmax, or for one
// output (binary) the log-sigmoid pair [log P(0), log P(1)].
Eigen::MatrixXd log_probabilities_of(const ScoresView& scores) {
  Eigen::MatrixXd out = scores.cast<double>();
  if (scores.cols() > 1) {
    stats::normalize_log_rows(out);
    return out;
  }
  // log σ(z) = −log(1 + e^−z), computed without overflow either way.
  const auto log_sigmoid = [](double t) {
    return t >= 0 ? -std::log1p(std::exp(-t)) : t - std::log1p(std::exp(t));
  };
  out.resize(scores.rows(), 2);
  for (Eigen::Index i = 0; i < scores.rows(); ++i) {
    const double z = scores(i, 0);
    out(i, 0) = log_sigmoid(-z);
    out(i, 1) = log_sigmoid(z);
  }
  return out;
}

// One block of a classifier's work on this rank's rows: the true classes, the predicted ones and
// (for a model with probabilities) every class's log-probability, rows x classes.
struct ClassBlock {
  std::span<const std::int32_t> truth;
  std::span<const std::int32_t> predicted;
  const Eigen::MatrixXd* log_probabilities = nullptr;
};
using ClassBlockVisitor = std::function<void(const ClassBlock&)>;

// A classifier, of either origin (a checkpoint or saved model of psml train, or a naive Bayes
// model of psml fit), and this rank's rows of a labelled data file.
struct Classifier {
  std::string path;
  std::int64_t classes = 0;
  bool probabilities = false;
  std::int64_t rows = 0;  // of the whole file
  std::function<void(const ClassBlockVisitor&)> for_each_block;
};

Classifier open_classifier(const std::string& model_path, const std::string& data_path,
                           const comm::Communicator& world) {
  Classifier c;
  if (is_fitted_model(model_path, world)) {
    auto shard = std::make_shared<data::Shard>(load_dense_rows(data_path, true, world));
    auto model = std::make_shared<stats::NaiveBayesModel>();
    comm::run_agreed(world, [&] {
      auto fitted = stats::load_model(model_path);
      auto* nb = std::get_if<stats::NaiveBayesModel>(&fitted);
      if (!nb)
        throw error(model_path, ": a fitted ", stats::model_kind(fitted),
                    " model is not a classifier (psml fit naive-bayes makes one)");
      if (nb->features() != shard->info.features)
        throw error(data_path, ": has ", shard->info.features, " features, the model in ",
                    model_path, " takes ", nb->features());
      if (shard->info.task != data::Task::kClassification || !shard->info.has_labels)
        throw error(data_path, ": has no class labels to judge a classifier by");
      if (shard->info.num_classes > nb->classes())
        throw error(data_path, ": has ", shard->info.num_classes, " classes, the model in ",
                    model_path, " knows ", nb->classes());
      if (shard->classes.size() && shard->classes.maxCoeff() >= nb->classes())
        throw error(data_path, ": holds class id ", shard->classes.maxCoeff(), ", the model in ",
                    model_path, " knows ", nb->classes(), " classes");
      *model = std::move(*nb);
    });
    c.path = model_path;
    c.classes = model->classes();
    c.probabilities = true;
    c.rows = shard->info.rows;
    c.for_each_block = [shard, model](const ClassBlockVisitor& visit) {
      Eigen::MatrixXd log_p;
      std::vector<std::int32_t> predicted;
      for (Eigen::Index first = 0; first < shard->x.rows(); first += kBlock) {
        const auto n = std::min<Eigen::Index>(kBlock, shard->x.rows() - first);
        stats::joint_log_likelihood(*model, shard->x.middleRows(first, n), log_p);
        row_argmax(log_p, predicted);
        stats::normalize_log_rows(log_p);
        visit({{shard->classes.data() + first, static_cast<std::size_t>(n)}, predicted, &log_p});
      }
    };
    return c;
  }
  auto l = std::make_shared<Loaded>(load(model_path, data_path, world));
  if (l->meta.task != "classification")
    throw comm::CollectiveError(
        l->path + ": is a regression model; psml compare judges classifiers", world.rank() == 0);
  c.path = l->path;
  c.classes = std::max<std::int64_t>(l->meta.num_classes, 2);
  c.probabilities = scores_are_logits(models::ModelSpec::parse(l->meta.model));
  c.rows = l->model ? l->shard.info.rows : l->sparse_shard.info.rows;
  c.for_each_block = [l, probabilities = c.probabilities](const ClassBlockVisitor& visit) {
    Eigen::MatrixXd log_p;
    std::vector<std::int32_t> predicted;
    for_each_block(*l, [&](const Block& b) {
      const auto scores = b.scores();
      predicted.resize(static_cast<std::size_t>(b.rows));
      for (Eigen::Index i = 0; i < b.rows; ++i)
        predicted[static_cast<std::size_t>(i)] =
            static_cast<std::int32_t>(predicted_class(scores, i));
      if (probabilities) log_p = log_probabilities_of(scores);
      visit({b.classes, predicted, probabilities ? &log_p : nullptr});
    });
  };
  return c;
}

void print_classification(const stats::ClassificationReport& r) {
  std::printf("accuracy %.6f\n", r.accuracy);
  std::printf("accuracy 95%% interval [%.6f, %.6f] (Wilson, %.0f rows)\n", r.accuracy_interval.low,
              r.accuracy_interval.high, r.rows);
  if (r.has_probabilities) {
    std::printf("log loss %.6f\n", r.log_loss);
    std::printf("expected calibration error %.6f (%zu equal-width confidence bins)\n",
                r.expected_calibration_error, r.calibration.size());
  } else {
    std::printf("log loss: none, the model's scores are margins, not probabilities\n");
  }
  std::printf("%12s %10s %10s %10s %10s\n", "class", "precision", "recall", "f1", "support");
  for (std::size_t k = 0; k < r.classes.size(); ++k) {
    const auto& s = r.classes[k];
    std::printf("%12zu %10.6f %10.6f %10.6f %10lld\n", k, s.precision, s.recall, s.f1,
                static_cast<long long>(s.support));
  }
  for (const auto& [name, s] : {std::pair{"macro avg", r.macro}, {"weighted avg", r.weighted}})
    std::printf("%12s %10.6f %10.6f %10.6f %10lld\n", name, s.precision, s.recall, s.f1,
                static_cast<long long>(s.support));
  const auto c = r.confusion.rows();
  std::printf("confusion matrix (rows: true class, columns: predicted)\n%8s", "");
  for (Eigen::Index j = 0; j < c; ++j) std::printf(" %7lld", static_cast<long long>(j));
  std::printf("\n");
  for (Eigen::Index i = 0; i < c; ++i) {
    std::printf("%8lld", static_cast<long long>(i));
    for (Eigen::Index j = 0; j < c; ++j) std::printf(" %7.0f", r.confusion(i, j));
    std::printf("\n");
  }
  if (r.has_probabilities) {
    std::printf("reliability (confidence bin: rows, mean confidence, accuracy)\n");
    for (const auto& b : r.calibration)
      if (b.rows > 0)
        std::printf("  [%.3f, %.3f) %9.0f %10.6f %10.6f\n", b.low, b.high, b.rows,
                    b.mean_confidence, b.accuracy);
  }
}

// The report as JSON (psml eval --json; psml report draws its reliability diagram).
void write_report_json(const std::string& path, const std::string& model,
                       const std::string& data_path, const stats::ClassificationReport& r) {
  nlohmann::json j = {{"model", model},
                      {"data", data_path},
                      {"rows", r.rows},
                      {"accuracy", r.accuracy},
                      {"accuracy_interval", {r.accuracy_interval.low, r.accuracy_interval.high}},
                      {"confusion", nlohmann::json::array()},
                      {"classes", nlohmann::json::array()}};
  for (Eigen::Index i = 0; i < r.confusion.rows(); ++i) {
    auto row = nlohmann::json::array();
    for (Eigen::Index k = 0; k < r.confusion.cols(); ++k) row.push_back(r.confusion(i, k));
    j["confusion"].push_back(row);
  }
  for (const auto& s : r.classes)
    j["classes"].push_back(
        {{"precision", s.precision}, {"recall", s.recall}, {"f1", s.f1}, {"support", s.support}});
  if (r.has_probabilities) {
    j["log_loss"] = r.log_loss;
    j["expected_calibration_error"] = r.expected_calibration_error;
    auto bins = nlohmann::json::array();
    for (const auto& b : r.calibration)
      bins.push_back({{"low", b.low},
                      {"high", b.high},
                      {"rows", b.rows},
                      {"mean_confidence", b.mean_confidence},
                      {"accuracy", b.accuracy}});
    j["calibration"] = bins;
  }
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << j.dump(2) << "\n";
    if (!out) throw error(path, ": cannot write");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw error(path, ": cannot write");
}

// The regression figures of a checkpoint or saved model.
void run_regression_eval(Loaded& l, const std::string& data_path, const comm::Communicator& world) {
  double sums[2] = {0, 0};  // loss, rows
  for_each_block(l, [&](const Block& b) {
    sums[0] += b.sums.loss;
    sums[1] += b.sums.rows;
  });
  world.allreduce(std::span<double>(sums));
  if (world.rank() != 0) return;
  std::printf("eval: %s on %s (%.0f rows, %d ranks)\n", l.path.c_str(), data_path.c_str(), sums[1],
              world.size());
  std::printf("loss %.6f\nrmse %.6f\n", sums[0] / sums[1], std::sqrt(2 * sums[0] / sums[1]));
  std::fflush(stdout);
}

// A fitted Bayesian linear regression: RMSE, the mean predictive std, and the share of rows
// within the 95% predictive interval (coverage: about 0.95 when the model is right).
void run_bayes_linreg_eval(const std::string& model_path, const std::string& data_path,
                           const stats::BayesLinregModel& m, const data::Shard& shard,
                           const comm::Communicator& world) {
  double sums[4] = {0, 0, 0, static_cast<double>(shard.x.rows())};  // squared error, std, covered
  Eigen::VectorXd mean, sd;
  for (Eigen::Index first = 0; first < shard.x.rows(); first += kBlock) {
    const auto n = std::min<Eigen::Index>(kBlock, shard.x.rows() - first);
    stats::predict_bayes_linreg(m, shard.x.middleRows(first, n), mean, sd);
    for (Eigen::Index i = 0; i < n; ++i) {
      const double e = mean[i] - shard.targets[first + i];
      sums[0] += e * e;
      sums[1] += sd[i];
      sums[2] += std::abs(e) <= 1.959963984540054 * sd[i] ? 1 : 0;
    }
  }
  world.allreduce(std::span<double>(sums));
  if (world.rank() != 0) return;
  std::printf("eval: %s on %s (%.0f rows, %d ranks)\n", model_path.c_str(), data_path.c_str(),
              sums[3], world.size());
  std::printf("rmse %.6f\nmean predictive std %.6f\n95%% predictive interval coverage %.6f\n",
              std::sqrt(sums[0] / sums[3]), sums[1] / sums[3], sums[2] / sums[3]);
  std::fflush(stdout);
}

void run_eval(const std::string& model_path, const std::string& data_path,
              const std::string& json_path, const comm::Communicator& world) {
  if (is_fitted_model(model_path, world)) {
    std::optional<stats::BayesLinregModel> blr;
    comm::run_agreed(world, [&] {
      auto fitted = stats::load_model(model_path);
      if (auto* m = std::get_if<stats::BayesLinregModel>(&fitted)) blr = std::move(*m);
    });
    if (blr) {
      const auto shard = load_dense_rows(data_path, true, world);
      comm::run_agreed(world, [&] {
        if (blr->coef.size() != shard.info.features)
          throw error(data_path, ": has ", shard.info.features, " features, the model in ",
                      model_path, " takes ", blr->coef.size());
        if (shard.info.task != data::Task::kRegression || !shard.info.has_labels)
          throw error(data_path, ": has no regression targets to judge a regression by");
      });
      run_bayes_linreg_eval(model_path, data_path, *blr, shard, world);
      return;
    }
  } else {
    // A regression checkpoint keeps its own figures.
    bool regression = false;
    std::optional<Loaded> l;
    comm::run_agreed(world, [&] {
      std::vector<std::string> notes;
      regression =
          checkpoint::read_metadata(checkpoint::find_valid_checkpoint(model_path, notes)).task ==
          "regression";
    });
    if (regression) {
      l.emplace(load(model_path, data_path, world));
      run_regression_eval(*l, data_path, world);
      return;
    }
  }
  const auto c = open_classifier(model_path, data_path, world);
  stats::ClassificationTally tally(c.classes, c.probabilities);
  std::span<const double> none;
  c.for_each_block([&](const ClassBlock& b) {
    for (std::size_t i = 0; i < b.truth.size(); ++i) {
      std::span<const double> log_p = none;
      Eigen::RowVectorXd row;
      if (b.log_probabilities) {
        row = b.log_probabilities->row(static_cast<Eigen::Index>(i));
        log_p = {row.data(), static_cast<std::size_t>(row.size())};
      }
      tally.add(b.truth[i], b.predicted[i], log_p);
    }
  });
  tally.reduce(world);
  const auto report = tally.report();
  if (!json_path.empty())
    comm::run_agreed(world, [&] {
      if (world.rank() == 0) write_report_json(json_path, c.path, data_path, report);
    });
  if (world.rank() != 0) return;
  std::printf("eval: %s on %s (%.0f rows, %d ranks)\n", c.path.c_str(), data_path.c_str(),
              report.rows, world.size());
  print_classification(report);
  if (!json_path.empty()) std::printf("wrote %s\n", json_path.c_str());
  std::fflush(stdout);
}

// psml compare: two classifiers on the same rows. Each rank counts the rows both get right, only
// A, only B, neither; one allreduce; McNemar's exact test on the discordant rows.
void run_compare(const std::string& a_path, const std::string& b_path, const std::string& data_path,
                 const comm::Communicator& world) {
  const auto a = open_classifier(a_path, data_path, world);
  const auto b = open_classifier(b_path, data_path, world);
  std::vector<std::uint8_t> a_right;
  a.for_each_block([&](const ClassBlock& block) {
    for (std::size_t i = 0; i < block.truth.size(); ++i)
      a_right.push_back(block.truth[i] == block.predicted[i] ? 1 : 0);
  });
  double counts[4] = {0, 0, 0, 0};  // both right, only A, only B, neither
  std::size_t row = 0;
  b.for_each_block([&](const ClassBlock& block) {
    for (std::size_t i = 0; i < block.truth.size(); ++i, ++row) {
      const bool b_ok = block.truth[i] == block.predicted[i];
      counts[a_right[row] ? (b_ok ? 0 : 1) : (b_ok ? 2 : 3)] += 1;
    }
  });
  world.allreduce(std::span<double>(counts));
  if (world.rank() != 0) return;
  const double n = counts[0] + counts[1] + counts[2] + counts[3];
  const double acc_a = (counts[0] + counts[1]) / n, acc_b = (counts[0] + counts[2]) / n;
  const auto ia = stats::wilson_interval(counts[0] + counts[1], n);
  const auto ib = stats::wilson_interval(counts[0] + counts[2], n);
  const double p = stats::mcnemar_exact_p(static_cast<std::int64_t>(counts[1]),
                                          static_cast<std::int64_t>(counts[2]));
  std::printf("compare on %s (%.0f rows, %d ranks)\n", data_path.c_str(), n, world.size());
  std::printf("A %s: accuracy %.6f, 95%% interval [%.6f, %.6f]\n", a.path.c_str(), acc_a, ia.low,
              ia.high);
  std::printf("B %s: accuracy %.6f, 95%% interval [%.6f, %.6f]\n", b.path.c_str(), acc_b, ib.low,
              ib.high);
  std::printf("rows both right %.0f, only A right %.0f, only B right %.0f, both wrong %.0f\n",
              counts[0], counts[1], counts[2], counts[3]);
  std::printf("McNemar exact p-value %.6g (two-sided, on the %.0f rows where they differ)\n", p,
              counts[1] + counts[2]);
  std::printf("%s\n", p < 0.05 ? "the accuracies differ at the 5% level"
                               : "no evidence at the 5% level that the accuracies differ");
  std::fflush(stdout);
}

void run_predict(const std::string& checkpoint_path, const std::string& data_path,
                 const std::string& out, const comm::Communicator& world) {
  auto l = load(checkpoint_path, data_path, world);
  const bool classification = l.meta.task == "classification";
  const bool probabilities =
      classification && scores_are_logits(models::ModelSpec::parse(l.meta.model));
  const auto rows = static_cast<hsize_t>(l.model ? l.shard.info.rows : l.sparse_shard.info.rows);
  // Each rank writes its own rows of one file (parallel HDF5).
  write_output_file(out, world, [&](const std::string& path) {
    const auto file = h5::File::create_parallel(path, world.native());
    const auto outputs = static_cast<hsize_t>(
        l.model ? l.model->scores(l.params, l.shard.view(0, 0)).cols() : l.sparse_model->outputs());
    const auto scores_ds = file.create_dataset<float>("scores", {rows, outputs}, {}, 0);
    const auto predictions_ds =
        classification ? file.create_dataset<std::int32_t>("predictions", {rows}, {}, 0)
                       : file.create_dataset<float>("predictions", {rows}, {}, 0);
    const auto classes = static_cast<hsize_t>(std::max<std::int64_t>(l.meta.num_classes, 2));
    std::optional<h5::Dataset> probabilities_ds;
    if (probabilities)
      probabilities_ds = file.create_dataset<float>("probabilities", {rows, classes}, {}, 0);
    file.set_attribute("checkpoint", l.path);
    file.set_attribute("data", data_path);
    file.set_attribute("predictions", classification ? "the predicted class of each row"
                                                     : "the predicted value of each row");
    file.set_attribute("scores", !classification ? "the model's output (the prediction)"
                                 : probabilities ? "the model's raw outputs: logits"
                                                 : "the model's raw outputs: margins");
    if (probabilities)
      file.set_attribute("probabilities",
                         "P(class k | row), one column per class: the softmax of the scores (one "
                         "score: its sigmoid as P(1), and P(0) = 1 - P(1))");
    for_each_block(l, [&](const Block& b) {
      const auto n = b.rows;
      const auto at = static_cast<hsize_t>(l.first_row + b.first);
      scores_ds.write_block<float>({at, 0}, {static_cast<hsize_t>(n), outputs},
                                   {b.score_values, static_cast<std::size_t>(n * b.outputs)});
      if (classification) {
        std::vector<std::int32_t> ids(static_cast<std::size_t>(n));
        for (Eigen::Index i = 0; i < n; ++i)
          ids[static_cast<std::size_t>(i)] =
              static_cast<std::int32_t>(predicted_class(b.scores(), i));
        predictions_ds.write_block<std::int32_t>({at}, {static_cast<hsize_t>(n)}, ids);
        if (probabilities_ds) {
          std::vector<float> p(static_cast<std::size_t>(n) * classes);
          for (Eigen::Index i = 0; i < n; ++i)
            probabilities_of(b.scores(), i, p.data() + static_cast<std::size_t>(i) * classes);
          probabilities_ds->write_block<float>({at, 0}, {static_cast<hsize_t>(n), classes}, p);
        }
      } else {
        std::vector<float> values(b.score_values, b.score_values + n);
        predictions_ds.write_block<float>({at}, {static_cast<hsize_t>(n)}, values);
      }
    });
  });
  if (world.rank() != 0) return;
  std::cout << "wrote " << out << " (" << rows << " rows): /predictions ("
            << (classification ? "class ids" : "values") << "), /scores ("
            << (!classification ? "the same values"
                : probabilities ? "logits"
                                : "margins")
            << ")"
            << (probabilities ? ", /probabilities (softmax of the scores, one column per class)"
                              : "")
            << std::endl;
}

void run_inspect(const std::string& path, const comm::Communicator& world) {
  comm::run_agreed(world, [&] {
    if (world.rank() != 0) return;
    std::vector<std::string> notes;
    const auto file = checkpoint::find_valid_checkpoint(path, notes);
    for (const auto& note : notes) std::cout << note << "\n";
    const auto m = checkpoint::read_metadata(file);
    std::cout << "checkpoint      " << file << " (checksums verified)\n"
              << "model           " << m.model << ", " << m.num_params << " parameters, "
              << m.features << " features, " << m.num_classes << " classes (" << m.task << ")\n"
              << "optimizer       " << m.optimizer << ", step " << m.optimizer_step << ", "
              << m.state_slots << " state slots\n"
              << "position        epoch " << m.epoch << ", step " << m.step_in_epoch
              << " of the next epoch, global step " << m.global_step << ", seed " << m.seed << "\n"
              << "written by      " << m.mode << ", " << m.world_size << " ranks (" << m.workers
              << " workers, " << m.servers << " servers)\n";
    // The run's configuration: TOML (psml train --config reads it), its settings without their
    // comments; a one-line text in checkpoints of older psml versions.
    std::cout << "configuration\n";
    std::istringstream lines(m.config);
    for (std::string line; std::getline(lines, line);)
      if (!line.empty() && line.front() != '#') std::cout << "  " << line << "\n";
    std::cout.flush();
  });
}

}  // namespace

void add_model_commands(CLI::App& app, Action& action) {
  struct Options {
    std::string checkpoint, data, out, json, other;
  };
  auto o = std::make_shared<Options>();
  auto* eval = app.add_subcommand(
      "eval",
      "judge a model on a labelled data file: accuracy with its 95% interval, per-class "
      "precision / recall / F1, log loss, calibration, confusion matrix (regression: RMSE)");
  eval->add_option("--model-file,--checkpoint", o->checkpoint,
                   "a saved model (--save-model) or checkpoint file, or a checkpoint directory "
                   "(its newest valid one); or a naive Bayes or Bayesian linear regression "
                   "model (psml fit)")
      ->required();
  eval->add_option("--data", o->data, "data file (HDF5)")->required();
  eval->add_option("--json", o->json,
                   "also write a classifier's report as JSON (psml report draws its reliability "
                   "diagram)");
  eval->callback([o, &action] {
    action = [o](const comm::Communicator& world) {
      run_eval(o->checkpoint, o->data, o->json, world);
    };
  });
  auto* compare = app.add_subcommand(
      "compare", "do two classifiers' accuracies on the same rows differ? McNemar's exact test");
  compare->add_option("model_a", o->checkpoint, "first model (as psml eval takes)")->required();
  compare->add_option("model_b", o->other, "second model")->required();
  compare->add_option("--data", o->data, "labelled data file (HDF5) both are judged on")
      ->required();
  compare->callback([o, &action] {
    action = [o](const comm::Communicator& world) {
      run_compare(o->checkpoint, o->other, o->data, world);
    };
  });
  auto* predict =
      app.add_subcommand("predict", "write a checkpoint's predictions for a data file to HDF5");
  predict
      ->add_option("--model-file,--checkpoint", o->checkpoint,
                   "a saved model (--save-model) or checkpoint file, or a checkpoint directory; "
                   "or a fitted k-means or mixture model (psml fit)")
      ->required();
  predict->add_option("--data", o->data, "data file (HDF5)")->required();
  predict->add_option("--out", o->out, "predictions file to write: /predictions, /scores")
      ->required();
  predict->callback([o, &action] {
    action = [o](const comm::Communicator& world) {
      if (is_fitted_model(o->checkpoint, world))
        run_fitted_predict(o->checkpoint, o->data, o->out, world);
      else
        run_predict(o->checkpoint, o->data, o->out, world);
    };
  });
  auto* ckpt = app.add_subcommand("checkpoint", "work with checkpoints");
  ckpt->require_subcommand(1);
  auto* inspect = ckpt->add_subcommand("inspect", "print what a checkpoint holds (and verify it)");
  inspect->add_option("path", o->checkpoint, "checkpoint file or directory")->required();
  inspect->callback([o, &action] {
    action = [o](const comm::Communicator& world) { run_inspect(o->checkpoint, world); };
  });
}

}  // namespace psml::cli
