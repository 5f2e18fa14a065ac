// Models fitted by their own algorithm rather than trained by steps: psml fit kmeans|pca|gmm
// (unsupervised), naive-bayes and bayes-linreg (by sufficient statistics). What a fitted model is
// then used for: fitted_command.cpp.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.hpp"
#include "psml/comm/agreement.hpp"
#include "psml/core/count_of.hpp"
#include "psml/core/error.hpp"
#include "psml/core/stopwatch.hpp"
#include "psml/data/shard_reader.hpp"
#include "psml/infer/fitted_predictor.hpp"
#include "psml/stats/model_file.hpp"
#include "validators.hpp"

namespace psml::cli {
namespace {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

struct FitOptions {
  std::string data, out;
  data::DatasetNames names;
  std::uint64_t seed = 0;
  stats::KMeansOptions kmeans;
  int components = 2;
  std::string covariance = "full";
  int gmm_max_iterations = 100;
  double gmm_tol = 1e-3;
  double reg_covar = 1e-6;
  std::string naive_bayes_kind = "gaussian";
  stats::NaiveBayesOptions naive_bayes;
  stats::BayesLinregOptions bayes_linreg;
};

void save(const std::string& out, const stats::FittedModel& model, stats::FitRecord record,
          const data::Shard& shard, const comm::Communicator& world) {
  record.data = shard.info.path;
  record.rows = shard.info.rows;
  if (out.empty()) return;
  comm::run_agreed(world, [&] {
    if (world.rank() == 0) stats::save_model(out, model, record);
  });
  if (world.rank() == 0) std::printf("wrote %s\n", out.c_str());
}

void print_start(const char* what, const std::string& settings, const data::Shard& shard,
                 const comm::Communicator& world) {
  if (world.rank() == 0)
    std::printf("fit %s: %s on %s (%lld rows x %lld features, %d ranks)\n", what, settings.c_str(),
                shard.info.path.c_str(), static_cast<long long>(shard.info.rows),
                static_cast<long long>(shard.info.features), world.size());
}

void run_kmeans(const FitOptions& o, const comm::Communicator& world) {
  const auto shard = load_dense_rows(o.data, false, world, o.names);
  auto options = o.kmeans;
  options.seed = o.seed;
  std::ostringstream settings;
  settings << "k=" << options.k << " init=" << options.init
           << " max_iter=" << options.max_iterations << " tol=" << options.tol
           << " seed=" << options.seed;
  print_start("kmeans", settings.str(), shard, world);
  const bool printer = world.rank() == 0;
  if (printer) std::printf("%6s %18s %14s %10s %9s\n", "iter", "inertia", "shift", "changed", "ms");
  stats::KMeansResult result;
  comm::run_agreed(world, [&] {
    result = stats::fit_kmeans(shard, options, world, [printer](const stats::KMeansIteration& s) {
      if (!printer) return;
      std::printf("%6d %18.3f %14.6g %10lld %9.2f%s\n", s.iteration, s.inertia, s.shift,
                  static_cast<long long>(s.changed), 1e3 * s.seconds,
                  s.relocated
                      ? (" (" + std::to_string(s.relocated) + " empty clusters moved)").c_str()
                      : "");
      std::fflush(stdout);
    });
  });
  std::vector<double> times;
  for (const auto& s : result.history) times.push_back(s.seconds);
  if (printer)
    std::printf(
        "%s after %d iterations (%s)\nfinal inertia %.3f\ninit %.3f s, median iteration %.2f ms\n",
        result.converged ? "converged" : "stopped", result.iterations,
        result.stopped_because.c_str(), result.inertia, result.init_seconds, 1e3 * median(times));
  stats::FitRecord record;
  record.config = settings.str();
  record.inertia = result.inertia;
  save(o.out, result.model, record, shard, world);
}

void run_pca(const FitOptions& o, const comm::Communicator& world) {
  const auto shard = load_dense_rows(o.data, false, world, o.names);
  const std::string settings = "components=" + std::to_string(o.components);
  print_start("pca", settings, shard, world);
  stats::PcaModel model;
  const auto start = Clock::now();
  comm::run_agreed(world, [&] { model = stats::fit_pca(shard, o.components, world); });
  if (world.rank() == 0) {
    std::printf("%9s %18s %12s %12s\n", "component", "variance", "ratio", "cumulative");
    double cumulative = 0;
    for (Eigen::Index c = 0; c < model.explained_variance.size(); ++c) {
      cumulative += model.explained_variance_ratio[c];
      std::printf("%9lld %18.6f %12.6f %12.6f\n", static_cast<long long>(c + 1),
                  model.explained_variance[c], model.explained_variance_ratio[c], cumulative);
    }
    std::printf("explained variance ratio, sum of %d components: %.6f\nfit %.3f s\n", o.components,
                model.explained_variance_ratio.sum(), seconds_since(start));
  }
  stats::FitRecord record;
  record.config = settings;
  save(o.out, model, record, shard, world);
}

void run_gmm(const FitOptions& o, const comm::Communicator& world) {
  const auto shard = load_dense_rows(o.data, false, world, o.names);
  stats::GmmOptions options;
  options.components = o.components;
  options.covariance = stats::parse_covariance(o.covariance);
  options.max_iterations = o.gmm_max_iterations;
  options.tol = o.gmm_tol;
  options.reg_covar = o.reg_covar;
  options.seed = o.seed;
  std::ostringstream settings;
  settings << "components=" << options.components << " covariance=" << o.covariance
           << " max_iter=" << options.max_iterations << " tol=" << options.tol
           << " reg_covar=" << options.reg_covar << " seed=" << options.seed;
  print_start("gmm", settings.str(), shard, world);
  const bool printer = world.rank() == 0;
  if (printer) std::printf("%6s %22s %14s %9s\n", "iter", "mean log-likelihood", "change", "ms");
  stats::GmmResult result;
  comm::run_agreed(world, [&] {
    result = stats::fit_gmm(shard, options, world, [printer](const stats::GmmIteration& s) {
      if (!printer) return;
      std::printf("%6d %22.6f %14.6g %9.2f\n", s.iteration, s.mean_log_likelihood, s.change,
                  1e3 * s.seconds);
      std::fflush(stdout);
    });
  });
  if (printer)
    std::printf("%s after %d iterations\nfinal mean log-likelihood %.6f\ninit (k-means) %.3f s\n",
                result.converged ? "converged" : "stopped at --max-iter", result.iterations,
                result.mean_log_likelihood, result.init_seconds);
  stats::FitRecord record;
  record.config = settings.str();
  record.mean_log_likelihood = result.mean_log_likelihood;
  save(o.out, result.model, record, shard, world);
}

void run_naive_bayes(const FitOptions& o, const comm::Communicator& world) {
  const auto shard = load_dense_rows(o.data, true, world, o.names);
  auto options = o.naive_bayes;
  options.kind = stats::parse_naive_bayes_kind(o.naive_bayes_kind);
  std::ostringstream settings;
  settings << "kind=" << o.naive_bayes_kind;
  if (options.kind == stats::NaiveBayesKind::kGaussian)
    settings << " var_smoothing=" << options.var_smoothing;
  else
    settings << " alpha=" << options.alpha;
  print_start("naive-bayes", settings.str(), shard, world);
  const auto start = Clock::now();
  stats::NaiveBayesModel model;
  comm::run_agreed(world, [&] { model = stats::fit_naive_bayes(shard, options, world); });
  const double fit_seconds = seconds_since(start);
  // Training accuracy: each rank's rows, one allreduce.
  double sums[2] = {0, static_cast<double>(shard.x.rows())};
  Eigen::MatrixXd jll;
  std::vector<std::int32_t> predicted;
  for (Eigen::Index first = 0; first < shard.x.rows(); first += 4096) {
    const auto n = std::min<Eigen::Index>(4096, shard.x.rows() - first);
    stats::joint_log_likelihood(model, shard.x.middleRows(first, n), jll);
    infer::row_argmax(jll, predicted);
    for (Eigen::Index i = 0; i < n; ++i)
      sums[0] += predicted[static_cast<std::size_t>(i)] == shard.classes[first + i] ? 1 : 0;
  }
  world.allreduce(std::span<double>(sums));
  if (world.rank() == 0) {
    std::printf("%6s %12s %14s\n", "class", "rows", "prior");
    for (Eigen::Index k = 0; k < model.classes(); ++k)
      std::printf("%6lld %12.0f %14.6f\n", static_cast<long long>(k), model.class_count[k],
                  std::exp(model.class_log_prior[k]));
    if (options.kind == stats::NaiveBayesKind::kGaussian)
      std::printf("variance floor epsilon %.6g\n", model.epsilon);
    std::printf("training accuracy %.6f\nfit %.3f s\n", sums[0] / sums[1], fit_seconds);
  }
  stats::FitRecord record;
  record.config = settings.str();
  save(o.out, model, record, shard, world);
}

void run_bayes_linreg(const FitOptions& o, const comm::Communicator& world) {
  const auto shard = load_dense_rows(o.data, true, world, o.names);
  const auto& options = o.bayes_linreg;
  std::ostringstream settings;
  settings << "max_iter=" << options.max_iterations << " tol=" << options.tol
           << " alpha_1=" << options.alpha_1 << " alpha_2=" << options.alpha_2
           << " lambda_1=" << options.lambda_1 << " lambda_2=" << options.lambda_2;
  print_start("bayes-linreg", settings.str(), shard, world);
  const bool printer = world.rank() == 0;
  if (printer)
    std::printf("%6s %14s %14s %24s %14s\n", "iter", "alpha", "lambda", "log marginal likelihood",
                "coef change");
  const auto start = Clock::now();
  stats::BayesLinregResult result;
  comm::run_agreed(world, [&] {
    result = stats::fit_bayes_linreg(
        shard, options, world, [printer](const stats::BayesLinregIteration& s) {
          if (!printer) return;
          std::printf("%6d %14.6g %14.6g %24.6f %14.6g\n", s.iteration, s.alpha, s.lambda,
                      s.log_marginal_likelihood, s.coef_change);
          std::fflush(stdout);
        });
  });
  const auto& m = result.model;
  if (printer)
    std::printf(
        "%s after %d iterations\nnoise precision alpha %.6g (noise std %.6g), weight "
        "precision lambda %.6g\nlog marginal likelihood %.6f\nfit %.3f s\n",
        result.converged ? "converged" : "stopped at --max-iter", result.iterations, m.alpha,
        1 / std::sqrt(m.alpha), m.lambda, result.log_marginal_likelihood, seconds_since(start));
  stats::FitRecord record;
  record.config = settings.str();
  record.mean_log_likelihood =
      result.log_marginal_likelihood / static_cast<double>(shard.info.rows);
  save(o.out, m, record, shard, world);
}

}  // namespace

data::Shard load_dense_rows(const std::string& path, bool with_labels,
                            const comm::Communicator& world, const data::DatasetNames& names,
                            const std::vector<std::string>& class_names) {
  data::Shard shard;
  comm::run_agreed(world, [&] {
    data::DescribeOptions options;
    options.labels = data::Labels::kOptional;
    options.names = names;
    if (with_labels && !class_names.empty())
      options.classes =
          data::KnownClasses{static_cast<std::int64_t>(class_names.size()), class_names};
    auto info = data::describe_dataset(path, options);
    if (info.sparse)
      throw error(path, ": sparse (CSR) files are not supported by psml fit's models");
    if (info.rows < world.size())
      throw error(path, ": has ", info.rows, " rows, fewer than the ",
                  count_of(world.size(), "rank"));
    if (!with_labels) info.has_labels = false;
    shard = data::read_shard(info, data::balanced_range(info.rows, world.size(), world.rank()));
  });
  return shard;
}

namespace {

// The options every fit subcommand takes.
void add_common_options(CLI::App* cmd, FitOptions& o, bool supervised = false) {
  cmd->add_option("--data", o.data,
                  supervised ? "data file (HDF5, dense, with /labels)"
                             : "data file (HDF5, dense; /labels not needed)")
      ->required();
  cmd->add_option("--out", o.out, "write the fitted model to this HDF5 file");
  add_dataset_name_options(cmd, o.names);
  if (!supervised)
    cmd->add_option("--seed", o.seed, "seed of the initialisation")->capture_default_str();
}

// `cmd` runs `run` with the options when chosen.
void on_chosen(CLI::App* cmd, const std::shared_ptr<FitOptions>& o, Action& action,
               void (*run)(const FitOptions&, const comm::Communicator&)) {
  cmd->callback([o, &action, run] {
    action = [o, run](const comm::Communicator& world) { run(*o, world); };
  });
}

void add_kmeans(CLI::App* fit, const std::shared_ptr<FitOptions>& o, Action& action) {
  auto* kmeans = fit->add_subcommand("kmeans", "k-means: Lloyd iterations, k-means++ start");
  add_common_options(kmeans, *o);
  kmeans->add_option("--k", o->kmeans.k, "clusters")->required()->check(CLI::Range(1, 1 << 20));
  kmeans->add_option("--max-iter", o->kmeans.max_iterations, "most Lloyd iterations")
      ->check(CLI::Range(1, 1 << 24))
      ->capture_default_str();
  kmeans
      ->add_option("--tol", o->kmeans.tol,
                   "stop when the centroids move less than this x the mean feature variance")
      ->check(non_negative_number)
      ->capture_default_str();
  kmeans->add_option("--init", o->kmeans.init, "initialisation")
      ->check(CLI::IsMember({"k-means++", "random"}))
      ->capture_default_str();
  on_chosen(kmeans, o, action, run_kmeans);
}

void add_pca(CLI::App* fit, const std::shared_ptr<FitOptions>& o, Action& action) {
  auto* pca = fit->add_subcommand("pca", "principal components: mean, covariance, eigenvectors");
  add_common_options(pca, *o);
  pca->add_option("--components", o->components, "components to keep")
      ->required()
      ->check(CLI::Range(1, 1 << 20));
  on_chosen(pca, o, action, run_pca);
}

void add_gmm(CLI::App* fit, const std::shared_ptr<FitOptions>& o, Action& action) {
  auto* gmm = fit->add_subcommand("gmm", "Gaussian mixture by EM, k-means start");
  add_common_options(gmm, *o);
  gmm->add_option("--components", o->components, "mixture components")
      ->required()
      ->check(CLI::Range(1, 1 << 16));
  gmm->add_option("--covariance", o->covariance, "covariance of each component")
      ->check(CLI::IsMember({"diag", "full"}))
      ->capture_default_str();
  gmm->add_option("--max-iter", o->gmm_max_iterations, "most EM iterations")
      ->check(CLI::Range(1, 1 << 24))
      ->capture_default_str();
  gmm->add_option("--tol", o->gmm_tol, "stop when the mean log-likelihood changes less")
      ->check(non_negative_number)
      ->capture_default_str();
  gmm->add_option("--reg-covar", o->reg_covar, "added to every covariance's diagonal")
      ->check(non_negative_number)
      ->capture_default_str();
  on_chosen(gmm, o, action, run_gmm);
}

void add_naive_bayes(CLI::App* fit, const std::shared_ptr<FitOptions>& o, Action& action) {
  auto* nb = fit->add_subcommand(
      "naive-bayes", "naive Bayes classifier from per-class sufficient statistics (one pass)");
  add_common_options(nb, *o, true);
  nb->add_option("--kind", o->naive_bayes_kind,
                 "gaussian: per-class feature means and variances; multinomial: per-class "
                 "feature counts (non-negative features)")
      ->check(CLI::IsMember({"gaussian", "multinomial"}))
      ->capture_default_str();
  nb->add_option("--var-smoothing", o->naive_bayes.var_smoothing,
                 "gaussian: adds this x the largest feature variance to every variance")
      ->check(non_negative_number)
      ->capture_default_str();
  nb->add_option("--alpha", o->naive_bayes.alpha,
                 "multinomial: additive (Laplace / Lidstone) smoothing of the feature counts")
      ->check(positive_number)
      ->capture_default_str();
  on_chosen(nb, o, action, run_naive_bayes);
}

void add_bayes_linreg(CLI::App* fit, const std::shared_ptr<FitOptions>& o, Action& action) {
  auto* blr = fit->add_subcommand(
      "bayes-linreg",
      "Bayesian linear regression: Gaussian posterior, precisions by evidence maximisation");
  add_common_options(blr, *o, true);
  auto& b = o->bayes_linreg;
  blr->add_option("--max-iter", b.max_iterations, "most evidence-maximisation iterations")
      ->check(CLI::Range(1, 1 << 24))
      ->capture_default_str();
  blr->add_option("--tol", b.tol, "stop when the posterior mean changes less (sum of |change|)")
      ->check(non_negative_number)
      ->capture_default_str();
  blr->add_option("--alpha-1", b.alpha_1, "Gamma prior of the noise precision: shape")
      ->check(non_negative_number)
      ->capture_default_str();
  blr->add_option("--alpha-2", b.alpha_2, "Gamma prior of the noise precision: rate")
      ->check(non_negative_number)
      ->capture_default_str();
  blr->add_option("--lambda-1", b.lambda_1, "Gamma prior of the weight precision: shape")
      ->check(non_negative_number)
      ->capture_default_str();
  blr->add_option("--lambda-2", b.lambda_2, "Gamma prior of the weight precision: rate")
      ->check(non_negative_number)
      ->capture_default_str();
  on_chosen(blr, o, action, run_bayes_linreg);
}

}  // namespace

void add_fit_commands(CLI::App& app, Action& action) {
  auto o = std::make_shared<FitOptions>();
  auto* fit = app.add_subcommand(
      "fit", "fit a model by its own algorithm: kmeans, pca, gmm, naive-bayes, bayes-linreg");
  fit->require_subcommand(1);
  add_kmeans(fit, o, action);
  add_pca(fit, o, action);
  add_gmm(fit, o, action);
  add_naive_bayes(fit, o, action);
  add_bayes_linreg(fit, o, action);
}

}  // namespace psml::cli
