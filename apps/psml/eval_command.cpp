// psml eval and psml compare: judging models on labelled rows with the inference module
// (infer/judging.hpp), and printing what it finds.
#include <cstdio>

#include <nlohmann/json.hpp>
#include "commands.hpp"
#include "open_model.hpp"
#include "psml/comm/agreement.hpp"
#include "psml/core/atomic_file.hpp"
#include "psml/core/error.hpp"
#include "psml/infer/judging.hpp"
#include "psml/stats/hypothesis.hpp"

namespace psml::cli {
namespace {

// A fitted model psml eval or compare judges as a classifier: naive Bayes, with the data's
// classes among its own.
void check_fitted_classifier(const std::string& model_path, const std::string& data_path,
                             const stats::FittedModel& model, const data::Shard& shard) {
  const auto* nb = std::get_if<stats::NaiveBayesModel>(&model);
  if (!nb)
    throw error(model_path, ": a fitted ", stats::model_kind(model),
                " model is not a classifier (psml fit naive-bayes makes one)");
  check_features(model, shard, model_path);
  if (shard.info.task != data::Task::kClassification || !shard.info.has_labels)
    throw error(data_path, ": has no class labels to judge a classifier by");
  if (shard.info.num_classes > nb->classes())
    throw error(data_path, ": has ", shard.info.num_classes, " classes, the model in ", model_path,
                " knows ", nb->classes());
  if (shard.classes.size() && shard.classes.maxCoeff() >= nb->classes())
    throw error(data_path, ": holds class id ", shard.classes.maxCoeff(), ", the model in ",
                model_path, " knows ", nb->classes(), " classes");
}

// A classifier of either origin (a checkpoint or saved model of psml train, or a naive Bayes
// model of psml fit), and this rank's rows of a labelled data file.
OpenedModel open_classifier(const std::string& model_path, const std::string& data_path,
                            const data::DatasetNames& names, const comm::Communicator& world) {
  if (is_fitted_model(model_path, world))
    return open_fitted_model(
        model_path, data_path, world,
        [&](const stats::FittedModel& model, const data::Shard& shard) {
          check_fitted_classifier(model_path, data_path, model, shard);
        },
        names);
  auto m = open_trained_model(model_path, data_path, world, data::Labels::kRequired, names);
  if (m.predictor->classes() == 0)
    throw comm::CollectiveError(m.path + ": is a regression model; psml compare judges classifiers",
                                world.rank() == 0);
  return m;
}

// Class k as the user knows it: its label in the training data, else its id.
std::string class_name(std::span<const std::string> names, std::size_t k) {
  return k < names.size() ? names[k] : std::to_string(k);
}

void print_classification(const stats::ClassificationReport& r,
                          std::span<const std::string> names) {
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
    std::printf("%12s %10.6f %10.6f %10.6f %10lld\n", class_name(names, k).c_str(), s.precision,
                s.recall, s.f1, static_cast<long long>(s.support));
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
                       const std::string& data_path, const stats::ClassificationReport& r,
                       std::span<const std::string> names) {
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
  for (std::size_t k = 0; k < r.classes.size(); ++k) {
    const auto& s = r.classes[k];
    j["classes"].push_back({{"name", class_name(names, k)},
                            {"precision", s.precision},
                            {"recall", s.recall},
                            {"f1", s.f1},
                            {"support", s.support}});
  }
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
  write_file_atomically(path, j.dump(2) + "\n");
}

void print_header(const std::string& model_path, const std::string& data_path, double rows,
                  const comm::Communicator& world) {
  std::printf("eval: %s on %s (%.0f rows, %d ranks)\n", model_path.c_str(), data_path.c_str(), rows,
              world.size());
}

// A regression: a trained model's loss and RMSE; a fitted Bayesian linear regression's RMSE, mean
// predictive std and the share of rows within the 95% predictive interval.
void run_regression_eval(OpenedModel& m, const std::string& data_path,
                         const comm::Communicator& world) {
  if (m.predictor->has_std()) {
    const auto f = infer::judge_predictive(*m.predictor, *m.rows, world);
    if (world.rank() != 0) return;
    print_header(m.path, data_path, f.rows, world);
    std::printf("rmse %.6f\nmean predictive std %.6f\n95%% predictive interval coverage %.6f\n",
                f.rmse, f.mean_std, f.coverage);
  } else {
    const auto f = infer::judge_regression(*m.predictor, *m.rows, world);
    if (world.rank() != 0) return;
    print_header(m.path, data_path, f.rows, world);
    std::printf("loss %.6f\nrmse %.6f\n", f.loss, f.rmse);
  }
  std::fflush(stdout);
}

// A fitted Bayesian linear regression psml eval judges: the data must have regression targets.
void check_fitted_regression(const std::string& model_path, const std::string& data_path,
                             const stats::FittedModel& model, const data::Shard& shard) {
  check_features(model, shard, model_path);
  if (shard.info.task != data::Task::kRegression || !shard.info.has_labels)
    throw error(data_path, ": has no regression targets to judge a regression by");
}

OpenedModel open_judged_model(const std::string& model_path, const std::string& data_path,
                              const data::DatasetNames& names, const comm::Communicator& world) {
  if (!is_fitted_model(model_path, world))
    return open_trained_model(model_path, data_path, world, data::Labels::kRequired, names);
  return open_fitted_model(
      model_path, data_path, world,
      [&](const stats::FittedModel& model, const data::Shard& shard) {
        if (std::holds_alternative<stats::BayesLinregModel>(model))
          check_fitted_regression(model_path, data_path, model, shard);
        else
          check_fitted_classifier(model_path, data_path, model, shard);
      },
      names);
}

}  // namespace

void run_eval(const std::string& model_path, const std::string& data_path,
              const data::DatasetNames& names, const std::string& json_path,
              const comm::Communicator& world) {
  auto m = open_judged_model(model_path, data_path, names, world);
  if (m.predictor->classes() == 0) {
    run_regression_eval(m, data_path, world);
    return;
  }
  const auto report = infer::judge_classifier(*m.predictor, *m.rows, world);
  if (!json_path.empty())
    comm::run_agreed(world, [&] {
      if (world.rank() == 0)
        write_report_json(json_path, m.path, data_path, report, m.predictor->class_names());
    });
  if (world.rank() != 0) return;
  print_header(m.path, data_path, report.rows, world);
  print_classification(report, m.predictor->class_names());
  if (!json_path.empty()) std::printf("wrote %s\n", json_path.c_str());
  std::fflush(stdout);
}

// psml compare: two classifiers on the same rows. Each rank counts the rows both get right, only
// A, only B, neither; one allreduce; McNemar's exact test on the discordant rows.
void run_compare(const std::string& a_path, const std::string& b_path, const std::string& data_path,
                 const data::DatasetNames& names, const comm::Communicator& world) {
  auto a = open_classifier(a_path, data_path, names, world);
  auto b = open_classifier(b_path, data_path, names, world);
  const auto agreement =
      infer::compare_classifiers(*a.predictor, *a.rows, *b.predictor, *b.rows, world);
  if (world.rank() != 0) return;
  const double counts[4] = {agreement.both, agreement.only_a, agreement.only_b, agreement.neither};
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

}  // namespace psml::cli
