// Unsupervised models: psml fit kmeans|pca|gmm, psml transform, and psml predict's path for
// fitted k-means and mixture models.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <variant>

#include "commands.hpp"
#include "psml/comm/agreement.hpp"
#include "psml/core/error.hpp"
#include "psml/core/stopwatch.hpp"
#include "psml/data/h5.hpp"
#include "psml/data/shard_reader.hpp"
#include "psml/stats/model_file.hpp"

namespace psml::cli {
namespace {

constexpr Eigen::Index kBlock = 4096;

// This rank's rows of a dense data file; labels only when asked for (and present).
data::Shard load_rows(const std::string& path, bool with_labels, const comm::Communicator& world) {
  data::Shard shard;
  comm::run_agreed(world, [&] {
    auto info = data::describe_dataset(path, data::Labels::kOptional);
    if (info.sparse)
      throw error(path, ": sparse (CSR) files are not supported by k-means, PCA or GMM");
    if (info.rows < world.size())
      throw error(path, ": has ", info.rows, " rows, fewer than the ", world.size(), " ranks");
    if (!with_labels) info.has_labels = false;
    shard = data::read_shard(info, data::balanced_range(info.rows, world.size(), world.rank()));
  });
  return shard;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

struct FitOptions {
  std::string data, out;
  std::uint64_t seed = 0;
  stats::KMeansOptions kmeans;
  int components = 2;
  std::string covariance = "full";
  int gmm_max_iterations = 100;
  double gmm_tol = 1e-3;
  double reg_covar = 1e-6;
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
  const auto shard = load_rows(o.data, false, world);
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
  const auto shard = load_rows(o.data, false, world);
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
  const auto shard = load_rows(o.data, false, world);
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

// Writes, in parallel, the rows' outputs of a fitted model: `columns` float values per row into
// /name, optionally int32 ids into /predictions, and the input's labels when it has them.
struct Output {
  h5::File file;
  std::optional<h5::Dataset> values, ids, labels;
};

Output create_output(const std::string& path, const std::string& values_name, hsize_t columns,
                     bool with_ids, const data::Shard& shard, const std::string& model_path,
                     const comm::Communicator& world) {
  const auto rows = static_cast<hsize_t>(shard.info.rows);
  Output out{h5::File::create_parallel(path, world.native()), {}, {}, {}};
  out.values = out.file.create_dataset<float>(values_name, {rows, columns}, {}, 0);
  if (with_ids) out.ids = out.file.create_dataset<std::int32_t>("predictions", {rows}, {}, 0);
  out.file.set_attribute("model", model_path);
  out.file.set_attribute("data", shard.info.path);
  if (shard.info.has_labels) {
    const bool classes = shard.info.task == data::Task::kClassification;
    out.labels = classes
                     ? out.file.create_dataset<std::int32_t>(data::kLabelsDataset, {rows}, {}, 0)
                     : out.file.create_dataset<float>(data::kLabelsDataset, {rows}, {}, 0);
    out.file.set_attribute(data::kTaskAttribute, data::to_string(shard.info.task));
    if (shard.info.num_classes > 0)
      out.file.set_attribute(data::kNumClassesAttribute, shard.info.num_classes);
    const auto first = static_cast<hsize_t>(shard.rows.first);
    const auto count = static_cast<hsize_t>(shard.rows.count);
    if (classes)
      out.labels->write_block<std::int32_t>(
          {first}, {count}, {shard.classes.data(), static_cast<std::size_t>(count)});
    else
      out.labels->write_block<float>({first}, {count},
                                     {shard.targets.data(), static_cast<std::size_t>(count)});
  }
  return out;
}

// Runs `compute(first, rows, values, ids)` over blocks of the shard and writes what it gives.
template <class Compute>
void write_blocks(const Output& out, const data::Shard& shard, hsize_t columns, Compute compute) {
  data::RowMatrix block, values;
  std::vector<std::int32_t> ids;
  for (Eigen::Index first = 0; first < shard.x.rows(); first += kBlock) {
    const auto n = std::min(kBlock, shard.x.rows() - first);
    block = shard.x.middleRows(first, n);
    ids.assign(static_cast<std::size_t>(n), 0);
    compute(block, values, ids);
    const auto at = static_cast<hsize_t>(shard.rows.first + first);
    out.values->write_block<float>({at, 0}, {static_cast<hsize_t>(n), columns},
                                   {values.data(), static_cast<std::size_t>(values.size())});
    if (out.ids) out.ids->write_block<std::int32_t>({at}, {static_cast<hsize_t>(n)}, ids);
  }
}

stats::FittedModel load_fitted(const std::string& path, const std::string& data_path,
                               const data::Shard& shard, const comm::Communicator& world) {
  stats::FittedModel model;
  comm::run_agreed(world, [&] {
    model = stats::load_model(path);
    std::int64_t features = 0;
    std::visit(
        [&](const auto& m) {
          using M = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<M, stats::KMeansModel>)
            features = m.centroids.cols();
          else if constexpr (std::is_same_v<M, stats::PcaModel>)
            features = m.mean.size();
          else
            features = m.means.cols();
        },
        model);
    if (features != shard.info.features)
      throw error(data_path, ": has ", shard.info.features, " features, the model in ", path,
                  " takes ", features);
  });
  return model;
}

// Squared distances of the rows of x to every centroid (rows x k).
Eigen::MatrixXd squared_distances(stats::NearestCentroid& nearest, const data::RowMatrix& x) {
  const auto norms = stats::row_squared_norms(x);
  Eigen::MatrixXd out;
  nearest.distances(x, {norms.data(), static_cast<std::size_t>(norms.size())}, out);
  return out;
}

// The index of each row's largest value (the first among equals).
void row_argmax(const Eigen::MatrixXd& m, std::vector<std::int32_t>& ids) {
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    Eigen::Index best = 0;
    m.row(i).maxCoeff(&best);
    ids[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(best);
  }
}

void run_transform(const std::string& model_path, const std::string& data_path,
                   const std::string& out_path, const comm::Communicator& world) {
  const auto shard = load_rows(data_path, true, world);
  const auto model = load_fitted(model_path, data_path, shard, world);
  comm::run_agreed(world, [&] {
    if (const auto* pca = std::get_if<stats::PcaModel>(&model)) {
      const auto columns = static_cast<hsize_t>(pca->components.rows());
      const auto out =
          create_output(out_path, data::kFeaturesDataset, columns, false, shard, model_path, world);
      write_blocks(out, shard, columns,
                   [&](const data::RowMatrix& x, data::RowMatrix& values,
                       std::vector<std::int32_t>&) { values = stats::pca_transform(*pca, x); });
    } else if (const auto* km = std::get_if<stats::KMeansModel>(&model)) {
      const auto columns = static_cast<hsize_t>(km->centroids.rows());
      const auto out =
          create_output(out_path, data::kFeaturesDataset, columns, false, shard, model_path, world);
      stats::NearestCentroid nearest(km->centroids);
      write_blocks(
          out, shard, columns,
          [&](const data::RowMatrix& x, data::RowMatrix& values, std::vector<std::int32_t>&) {
            values = squared_distances(nearest, x).cwiseSqrt().cast<float>();
          });
    } else {
      throw error(model_path,
                  ": a Gaussian mixture has no transform; psml predict gives its "
                  "responsibilities");
    }
  });
  if (world.rank() == 0)
    std::printf("wrote %s (%lld rows)\n", out_path.c_str(),
                static_cast<long long>(shard.info.rows));
}

}  // namespace

bool is_fitted_model(const std::string& path, const comm::Communicator& world) {
  bool fitted = false;
  comm::run_agreed(world, [&] { fitted = stats::fitted_model_kind(path).has_value(); });
  return fitted;
}

void run_fitted_predict(const std::string& model_path, const std::string& data_path,
                        const std::string& out_path, const comm::Communicator& world) {
  const auto shard = load_rows(data_path, true, world);
  const auto model = load_fitted(model_path, data_path, shard, world);
  comm::run_agreed(world, [&] {
    if (const auto* km = std::get_if<stats::KMeansModel>(&model)) {
      // /predictions: the nearest centroid; /scores: squared distances to every centroid.
      const auto columns = static_cast<hsize_t>(km->centroids.rows());
      const auto out = create_output(out_path, "scores", columns, true, shard, model_path, world);
      stats::NearestCentroid nearest(km->centroids);
      write_blocks(
          out, shard, columns,
          [&](const data::RowMatrix& x, data::RowMatrix& values, std::vector<std::int32_t>& ids) {
            const Eigen::MatrixXd squared = squared_distances(nearest, x);
            row_argmax(-squared, ids);
            values = squared.cast<float>();
          });
    } else if (const auto* gmm = std::get_if<stats::GmmModel>(&model)) {
      // /predictions: the most responsible component; /scores: the responsibilities.
      const auto columns = static_cast<hsize_t>(gmm->means.rows());
      const auto out = create_output(out_path, "scores", columns, true, shard, model_path, world);
      const stats::GmmScorer scorer(*gmm);
      Eigen::MatrixXd resp;
      write_blocks(
          out, shard, columns,
          [&](const data::RowMatrix& x, data::RowMatrix& values, std::vector<std::int32_t>& ids) {
            scorer.responsibilities(x, resp);
            row_argmax(resp, ids);
            values = resp.cast<float>();
          });
    } else {
      throw error(model_path, ": PCA has no predictions; psml transform gives its scores");
    }
  });
  if (world.rank() == 0)
    std::printf("wrote %s (%lld rows)\n", out_path.c_str(),
                static_cast<long long>(shard.info.rows));
}

void add_fit_commands(CLI::App& app, Action& action) {
  auto o = std::make_shared<FitOptions>();
  auto* fit = app.add_subcommand("fit", "fit an unsupervised model: kmeans, pca, gmm");
  fit->require_subcommand(1);
  const auto common = [o](CLI::App* cmd) {
    cmd->add_option("--data", o->data, "data file (HDF5, dense; /labels not needed)")->required();
    cmd->add_option("--out", o->out, "write the fitted model to this HDF5 file");
    cmd->add_option("--seed", o->seed, "seed of the initialisation")->capture_default_str();
  };
  auto* kmeans = fit->add_subcommand("kmeans", "k-means: Lloyd iterations, k-means++ start");
  common(kmeans);
  kmeans->add_option("--k", o->kmeans.k, "clusters")->required()->check(CLI::Range(1, 1 << 20));
  kmeans->add_option("--max-iter", o->kmeans.max_iterations, "most Lloyd iterations")
      ->check(CLI::Range(1, 1 << 24))
      ->capture_default_str();
  kmeans
      ->add_option("--tol", o->kmeans.tol,
                   "stop when the centroids move less than this x the mean feature variance")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  kmeans->add_option("--init", o->kmeans.init, "initialisation")
      ->check(CLI::IsMember({"k-means++", "random"}))
      ->capture_default_str();
  kmeans->callback(
      [o, &action] { action = [o](const comm::Communicator& world) { run_kmeans(*o, world); }; });
  auto* pca = fit->add_subcommand("pca", "principal components: mean, covariance, eigenvectors");
  common(pca);
  pca->add_option("--components", o->components, "components to keep")
      ->required()
      ->check(CLI::Range(1, 1 << 20));
  pca->callback(
      [o, &action] { action = [o](const comm::Communicator& world) { run_pca(*o, world); }; });
  auto* gmm = fit->add_subcommand("gmm", "Gaussian mixture by EM, k-means start");
  common(gmm);
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
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  gmm->add_option("--reg-covar", o->reg_covar, "added to every covariance's diagonal")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  gmm->callback(
      [o, &action] { action = [o](const comm::Communicator& world) { run_gmm(*o, world); }; });

  struct TransformOptions {
    std::string model, data, out;
  };
  auto t = std::make_shared<TransformOptions>();
  auto* transform =
      app.add_subcommand("transform",
                         "write a fitted model's transform of a data file (PCA scores, k-means "
                         "distances) as a psml data file");
  transform->add_option("--model", t->model, "fitted model file (psml fit)")->required();
  transform->add_option("--data", t->data, "data file (HDF5)")->required();
  transform->add_option("--out", t->out, "output data file: /features, and /labels if any")
      ->required();
  transform->callback([t, &action] {
    action = [t](const comm::Communicator& world) {
      run_transform(t->model, t->data, t->out, world);
    };
  });
}

}  // namespace psml::cli
