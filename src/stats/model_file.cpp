#include "psml/stats/model_file.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "psml/core/atomic_file.hpp"
#include "psml/core/error.hpp"
#include "psml/core/version.hpp"
#include "psml/data/class_names.hpp"
#include "psml/data/h5.hpp"

namespace psml::stats {
namespace {

using RowMatrixD = data::RowMatrixT<double>;

void write(const h5::File& file, const std::string& name, const Eigen::MatrixXd& m,
           std::vector<hsize_t> dims) {
  const RowMatrixD rows = m;
  file.create_dataset<double>(name, dims, {}, 0)
      .write_block<double>(std::vector<hsize_t>(dims.size(), 0), dims,
                           {rows.data(), static_cast<std::size_t>(rows.size())});
}

void write_matrix(const h5::File& file, const std::string& name, const Eigen::MatrixXd& m) {
  write(file, name, m, {static_cast<hsize_t>(m.rows()), static_cast<hsize_t>(m.cols())});
}

void write_vector(const h5::File& file, const std::string& name, const Eigen::VectorXd& v) {
  write(file, name, v, {static_cast<hsize_t>(v.size())});
}

// A dataset of exactly `dims`, all finite, as a (rows x columns) matrix: a vector is one column,
// a 3-D block is dims[0] x (dims[1] dims[2]) in row-major order.
Eigen::MatrixXd read(const h5::File& file, const std::string& name,
                     const std::vector<hsize_t>& dims) {
  const auto ds = file.dataset(name);
  const auto have = ds.dims();
  if (have != dims) {
    std::string want, got;
    for (const auto d : dims) want += (want.empty() ? "" : " x ") + std::to_string(d);
    for (const auto d : have) got += (got.empty() ? "" : " x ") + std::to_string(d);
    throw error(ds.where(), ": has shape ", got.empty() ? "()" : got, ", expected ", want);
  }
  if (ds.type_class() != h5::TypeClass::kFloat && ds.type_class() != h5::TypeClass::kInteger)
    throw error(ds.where(), ": dtype ", ds.dtype(), " is not numeric");
  hsize_t columns = 1;
  for (std::size_t i = 1; i < dims.size(); ++i) columns *= dims[i];
  RowMatrixD out(static_cast<Eigen::Index>(dims[0]), static_cast<Eigen::Index>(columns));
  ds.read_block<double>(std::vector<hsize_t>(dims.size(), 0), dims,
                        {out.data(), static_cast<std::size_t>(out.size())});
  if (!out.allFinite()) throw error(ds.where(), ": holds a value that is not finite");
  return out;
}

std::int64_t positive_attribute(const h5::File& file, const std::string& name) {
  const auto value = file.int_attribute(name);
  if (!value) throw error(file.path(), ": no attribute '", name, "'");
  if (*value < 1 || *value > (std::int64_t{1} << 31))
    throw error(file.path(), ": attribute ", name, "=", *value, " is out of range");
  return *value;
}

hsize_t dataset_rows(const h5::File& file, const std::string& name) {
  const auto dims = file.dataset(name).dims();
  if (dims.empty() || dims[0] < 1 || dims[0] > (hsize_t{1} << 20))
    throw error(file.path(), ":/", name, ": has no usable first dimension");
  return dims[0];
}

KMeansModel load_kmeans(const h5::File& file, hsize_t d) {
  const auto k = dataset_rows(file, "centroids");
  return {read(file, "centroids", {k, d})};
}

PcaModel load_pca(const h5::File& file, hsize_t d) {
  PcaModel m;
  const auto c = dataset_rows(file, "components");
  m.mean = read(file, "mean", {d});
  m.components = read(file, "components", {c, d});
  m.explained_variance = read(file, "explained_variance", {c});
  m.explained_variance_ratio = read(file, "explained_variance_ratio", {c});
  m.rows = positive_attribute(file, "rows");
  return m;
}

GmmModel load_gmm(const h5::File& file, hsize_t d) {
  GmmModel m;
  const auto name = file.string_attribute("covariance");
  if (!name) throw error(file.path(), ": no attribute 'covariance'");
  try {
    m.covariance = parse_covariance(*name);
  } catch (const Error&) {
    throw error(file.path(), ": attribute covariance='", *name, "' is neither diag nor full");
  }
  const auto k = dataset_rows(file, "weights");
  m.weights = read(file, "weights", {k});
  if ((m.weights.array() <= 0).any() || std::abs(m.weights.sum() - 1) > 1e-6)
    throw error(file.path(), ":/weights: must be positive and sum to 1");
  m.means = read(file, "means", {k, d});
  if (m.covariance == Covariance::kDiag) {
    m.variances = read(file, "covariances", {k, d});
    if ((m.variances.array() <= 0).any())
      throw error(file.path(), ":/covariances: variances must be positive");
    return m;
  }
  const Eigen::MatrixXd all = read(file, "covariances", {k, d, d});
  for (hsize_t c = 0; c < k; ++c) {
    const RowMatrixD row = all.row(static_cast<Eigen::Index>(c));
    m.covariances.emplace_back(Eigen::Map<const RowMatrixD>(
        row.data(), static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(d)));
  }
  return m;
}

double double_attribute(const h5::File& file, const std::string& name) {
  const auto value = file.double_attribute(name);
  if (!value) throw error(file.path(), ": no attribute '", name, "'");
  if (!std::isfinite(*value)) throw error(file.path(), ": attribute ", name, " is not finite");
  return *value;
}

NaiveBayesModel load_naive_bayes(const h5::File& file, hsize_t d) {
  NaiveBayesModel m;
  const auto name = file.string_attribute("kind");
  if (!name) throw error(file.path(), ": no attribute 'kind'");
  try {
    m.kind = parse_naive_bayes_kind(*name);
  } catch (const Error&) {
    throw error(file.path(), ": attribute kind='", *name, "' is neither gaussian nor multinomial");
  }
  const auto k = dataset_rows(file, "class_count");
  m.class_count = read(file, "class_count", {k});
  if ((m.class_count.array() <= 0).any())
    throw error(file.path(), ":/class_count: every class needs rows");
  m.class_log_prior = read(file, "class_log_prior", {k});
  m.class_names = data::read_class_names(file, static_cast<std::int64_t>(k));
  if (m.kind == NaiveBayesKind::kGaussian) {
    m.theta = read(file, "theta", {k, d});
    m.var = read(file, "var", {k, d});
    if ((m.var.array() <= 0).any()) throw error(file.path(), ":/var: variances must be positive");
    m.epsilon = double_attribute(file, "epsilon");
  } else {
    m.feature_count = read(file, "feature_count", {k, d});
    m.feature_log_prob = read(file, "feature_log_prob", {k, d});
    m.alpha = double_attribute(file, "alpha");
  }
  return m;
}

BayesLinregModel load_bayes_linreg(const h5::File& file, hsize_t d) {
  BayesLinregModel m;
  m.coef = read(file, "coef", {d});
  m.x_mean = read(file, "x_mean", {d});
  m.sigma = read(file, "sigma", {d, d});
  m.intercept = double_attribute(file, "intercept");
  m.alpha = double_attribute(file, "alpha");
  m.lambda = double_attribute(file, "lambda");
  m.y_mean = double_attribute(file, "y_mean");
  if (m.alpha <= 0 || m.lambda <= 0)
    throw error(file.path(), ": precisions alpha and lambda must be positive");
  return m;
}

constexpr const char* kKinds[] = {"kmeans", "pca", "gmm", "naive-bayes", "bayes-linreg"};

}  // namespace

const char* model_kind(const FittedModel& model) {
  return kKinds[model.index()];
}

void save_model(const std::string& path, const FittedModel& model, const FitRecord& record) {
  write_atomically(path, [&](const std::string& tmp) {
    const auto file = h5::File::create(tmp);
    file.set_attribute("model", model_kind(model));
    file.set_attribute("rows", record.rows);
    file.set_attribute("data", record.data);
    file.set_attribute("config", record.config);
    file.set_attribute("psml_version", std::string(kVersion));
    if (record.inertia) file.set_double_attribute("inertia", *record.inertia);
    if (record.mean_log_likelihood)
      file.set_double_attribute("mean_log_likelihood", *record.mean_log_likelihood);
    if (const auto* km = std::get_if<KMeansModel>(&model)) {
      file.set_attribute("features", static_cast<std::int64_t>(km->centroids.cols()));
      write_matrix(file, "centroids", km->centroids);
    } else if (const auto* pca = std::get_if<PcaModel>(&model)) {
      file.set_attribute("features", static_cast<std::int64_t>(pca->mean.size()));
      write_vector(file, "mean", pca->mean);
      write_matrix(file, "components", pca->components);
      write_vector(file, "explained_variance", pca->explained_variance);
      write_vector(file, "explained_variance_ratio", pca->explained_variance_ratio);
    } else if (const auto* nb = std::get_if<NaiveBayesModel>(&model)) {
      file.set_attribute("features", static_cast<std::int64_t>(nb->features()));
      file.set_attribute("kind", to_string(nb->kind));
      data::write_class_names(file, nb->class_names);
      write_vector(file, "class_count", nb->class_count);
      write_vector(file, "class_log_prior", nb->class_log_prior);
      if (nb->kind == NaiveBayesKind::kGaussian) {
        write_matrix(file, "theta", nb->theta);
        write_matrix(file, "var", nb->var);
        file.set_double_attribute("epsilon", nb->epsilon);
      } else {
        write_matrix(file, "feature_count", nb->feature_count);
        write_matrix(file, "feature_log_prob", nb->feature_log_prob);
        file.set_double_attribute("alpha", nb->alpha);
      }
    } else if (const auto* blr = std::get_if<BayesLinregModel>(&model)) {
      file.set_attribute("features", static_cast<std::int64_t>(blr->coef.size()));
      write_vector(file, "coef", blr->coef);
      write_vector(file, "x_mean", blr->x_mean);
      write_matrix(file, "sigma", blr->sigma);
      file.set_double_attribute("intercept", blr->intercept);
      file.set_double_attribute("alpha", blr->alpha);
      file.set_double_attribute("lambda", blr->lambda);
      file.set_double_attribute("y_mean", blr->y_mean);
    } else {
      const auto& gmm = std::get<GmmModel>(model);
      const auto k = static_cast<hsize_t>(gmm.means.rows());
      const auto d = static_cast<hsize_t>(gmm.means.cols());
      file.set_attribute("features", static_cast<std::int64_t>(d));
      file.set_attribute("covariance", to_string(gmm.covariance));
      write_vector(file, "weights", gmm.weights);
      write_matrix(file, "means", gmm.means);
      if (gmm.covariance == Covariance::kDiag) {
        write_matrix(file, "covariances", gmm.variances);
      } else {
        RowMatrixD all(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(d * d));
        for (hsize_t c = 0; c < k; ++c) {
          const RowMatrixD cov = gmm.covariances[c];
          all.row(static_cast<Eigen::Index>(c)) =
              Eigen::Map<const Eigen::RowVectorXd>(cov.data(), cov.size());
        }
        write(file, "covariances", all, {k, d, d});
      }
    }
  });
}

std::optional<std::string> fitted_model_kind(const std::string& path) {
  // Anything else (a checkpoint directory, a file that is not HDF5) is for the caller to judge.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec) || H5Fis_hdf5(path.c_str()) <= 0)
    return std::nullopt;
  const auto file = h5::File::open_read(path);
  const auto kind = file.string_attribute("model");
  if (kind && std::find(std::begin(kKinds), std::end(kKinds), *kind) != std::end(kKinds))
    return kind;
  return std::nullopt;
}

FittedModel load_model(const std::string& path) {
  const auto file = h5::File::open_read(path);
  const auto kind = file.string_attribute("model");
  if (!kind) throw error(path, ": not a fitted model (no attribute 'model')");
  const auto d = static_cast<hsize_t>(positive_attribute(file, "features"));
  if (*kind == "kmeans") return load_kmeans(file, d);
  if (*kind == "pca") return load_pca(file, d);
  if (*kind == "gmm") return load_gmm(file, d);
  if (*kind == "naive-bayes") return load_naive_bayes(file, d);
  if (*kind == "bayes-linreg") return load_bayes_linreg(file, d);
  throw error(path, ": model '", *kind,
              "' is not one psml fit makes (kmeans, pca, gmm, naive-bayes, bayes-linreg)");
}

}  // namespace psml::stats
