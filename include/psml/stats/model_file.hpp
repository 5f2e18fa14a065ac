// Fitted models (psml fit) as HDF5 files, readable with h5py:
//   root attributes: model ("kmeans" | "pca" | "gmm" | "naive-bayes" | "bayes-linreg"), features,
//   rows (fitted on), data (its
//                    path), config (the fit's options), psml_version, and a score: inertia
//                    (kmeans) or mean_log_likelihood (gmm)
//   kmeans: /centroids (k x features)
//   pca:    /mean (features), /components (components x features), /explained_variance,
//           /explained_variance_ratio (components)
//   gmm:    /weights (k), /means (k x features), /covariances (k x features for diag, k x
//           features x features for full), attribute covariance ("diag" | "full")
//   naive-bayes: attribute kind ("gaussian" | "multinomial"), /class_count, /class_log_prior
//           (classes); gaussian: /theta, /var (classes x features, ε included), attribute epsilon;
//           multinomial: /feature_count, /feature_log_prob (classes x features), attribute alpha
//           (scikit-learn's attribute names)
//   bayes-linreg: /coef, /x_mean (features), /sigma (features x features), attributes intercept,
//           alpha, lambda, y_mean
// All float64. Loading validates every shape and value and names the file in its errors.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "psml/stats/bayes_linreg.hpp"
#include "psml/stats/gmm.hpp"
#include "psml/stats/kmeans.hpp"
#include "psml/stats/naive_bayes.hpp"
#include "psml/stats/pca.hpp"

namespace psml::stats {

using FittedModel =
    std::variant<KMeansModel, PcaModel, GmmModel, NaiveBayesModel, BayesLinregModel>;

struct FitRecord {
  std::string data;  // the file fitted on
  std::int64_t rows = 0;
  std::string config;  // the options, as the command line spelled them
  std::optional<double> inertia;
  std::optional<double> mean_log_likelihood;
};

const char* model_kind(const FittedModel& model);  // the model attribute's value

// Writes path.tmp, then renames it onto path: a reader never sees half a file.
void save_model(const std::string& path, const FittedModel& model, const FitRecord& record);

// The model in `path`; throws psml::Error naming the file and the problem.
FittedModel load_model(const std::string& path);

// The kind of fitted model `path` holds, if it is one of psml's fitted-model files.
std::optional<std::string> fitted_model_kind(const std::string& path);

}  // namespace psml::stats
