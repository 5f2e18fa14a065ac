// Using a fitted unsupervised model: psml transform (PCA scores, k-means distances) and psml
// predict's path for k-means and mixture models. Each rank writes its own rows of the output
// file with parallel HDF5.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <variant>

#include "commands.hpp"
#include "output_file.hpp"
#include "psml/comm/agreement.hpp"
#include "psml/core/error.hpp"
#include "psml/data/h5.hpp"
#include "psml/stats/model_file.hpp"

namespace psml::cli {
namespace {

constexpr Eigen::Index kBlock = 4096;

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
          else if constexpr (std::is_same_v<M, stats::GmmModel>)
            features = m.means.cols();
          else if constexpr (std::is_same_v<M, stats::NaiveBayesModel>)
            features = m.features();
          else
            features = m.coef.size();
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

void run_transform(const std::string& model_path, const std::string& data_path,
                   const std::string& out_path, const comm::Communicator& world) {
  const auto shard = load_dense_rows(data_path, true, world);
  const auto model = load_fitted(model_path, data_path, shard, world);
  if (!std::holds_alternative<stats::PcaModel>(model) &&
      !std::holds_alternative<stats::KMeansModel>(model))
    throw comm::CollectiveError(model_path + ": a " + stats::model_kind(model) +
                                    " model has no transform; psml predict gives its outputs",
                                world.rank() == 0);
  write_output_file(out_path, world, [&](const std::string& file) {
    if (const auto* pca = std::get_if<stats::PcaModel>(&model)) {
      const auto columns = static_cast<hsize_t>(pca->components.rows());
      const auto out =
          create_output(file, data::kFeaturesDataset, columns, false, shard, model_path, world);
      write_blocks(out, shard, columns,
                   [&](const data::RowMatrix& x, data::RowMatrix& values,
                       std::vector<std::int32_t>&) { values = stats::pca_transform(*pca, x); });
    } else {
      const auto* km = std::get_if<stats::KMeansModel>(&model);
      const auto columns = static_cast<hsize_t>(km->centroids.rows());
      const auto out =
          create_output(file, data::kFeaturesDataset, columns, false, shard, model_path, world);
      stats::NearestCentroid nearest(km->centroids);
      write_blocks(
          out, shard, columns,
          [&](const data::RowMatrix& x, data::RowMatrix& values, std::vector<std::int32_t>&) {
            values = squared_distances(nearest, x).cwiseSqrt().cast<float>();
          });
    }
  });
  if (world.rank() == 0)
    std::printf("wrote %s (%lld rows)\n", out_path.c_str(),
                static_cast<long long>(shard.info.rows));
}

}  // namespace

// The index of each row's largest value (the first among equals).
void row_argmax(const Eigen::MatrixXd& m, std::vector<std::int32_t>& ids) {
  ids.resize(static_cast<std::size_t>(m.rows()));
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    Eigen::Index best = 0;
    m.row(i).maxCoeff(&best);
    ids[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(best);
  }
}

bool is_fitted_model(const std::string& path, const comm::Communicator& world) {
  bool fitted = false;
  comm::run_agreed(world, [&] { fitted = stats::fitted_model_kind(path).has_value(); });
  return fitted;
}

void run_fitted_predict(const std::string& model_path, const std::string& data_path,
                        const std::string& out_path, const comm::Communicator& world) {
  const auto shard = load_dense_rows(data_path, true, world);
  const auto model = load_fitted(model_path, data_path, shard, world);
  if (std::holds_alternative<stats::PcaModel>(model))
    throw comm::CollectiveError(
        model_path + ": PCA has no predictions; psml transform gives its scores",
        world.rank() == 0);
  write_output_file(out_path, world, [&](const std::string& file) {
    if (const auto* km = std::get_if<stats::KMeansModel>(&model)) {
      // /predictions: the nearest centroid; /scores: squared distances to every centroid.
      const auto columns = static_cast<hsize_t>(km->centroids.rows());
      const auto out = create_output(file, "scores", columns, true, shard, model_path, world);
      stats::NearestCentroid nearest(km->centroids);
      write_blocks(
          out, shard, columns,
          [&](const data::RowMatrix& x, data::RowMatrix& values, std::vector<std::int32_t>& ids) {
            const Eigen::MatrixXd squared = squared_distances(nearest, x);
            row_argmax(-squared, ids);
            values = squared.cast<float>();
          });
    } else if (const auto* nb = std::get_if<stats::NaiveBayesModel>(&model)) {
      // /predictions: the most probable class; /probabilities: P(class | row); /scores: the
      // joint log-likelihoods log P(k) + log p(x | k).
      const auto columns = static_cast<hsize_t>(nb->classes());
      const auto out =
          create_output(file, "probabilities", columns, true, shard, model_path, world);
      const auto scores = out.file.create_dataset<float>(
          "scores", {static_cast<hsize_t>(shard.info.rows), columns}, {}, 0);
      out.file.set_attribute("scores", "joint log-likelihoods log P(k) + log p(x | k)");
      Eigen::MatrixXd jll;
      hsize_t at = static_cast<hsize_t>(shard.rows.first);
      write_blocks(
          out, shard, columns,
          [&](const data::RowMatrix& x, data::RowMatrix& values, std::vector<std::int32_t>& ids) {
            stats::joint_log_likelihood(*nb, x, jll);
            const data::RowMatrix raw = jll.cast<float>();
            scores.write_block<float>({at, 0}, {static_cast<hsize_t>(x.rows()), columns},
                                      {raw.data(), static_cast<std::size_t>(raw.size())});
            at += static_cast<hsize_t>(x.rows());
            row_argmax(jll, ids);
            stats::normalize_log_rows(jll);
            values = jll.array().exp().cast<float>();
          });
    } else if (const auto* blr = std::get_if<stats::BayesLinregModel>(&model)) {
      // /predictions: the predictive mean; /std: its standard deviation.
      const auto rows = static_cast<hsize_t>(shard.info.rows);
      const auto h = h5::File::create_parallel(file, world.native());
      const auto mean_ds = h.create_dataset<float>("predictions", {rows}, {}, 0);
      const auto std_ds = h.create_dataset<float>("std", {rows}, {}, 0);
      h.set_attribute("model", model_path);
      h.set_attribute("data", shard.info.path);
      h.set_attribute("predictions", "the predictive mean of each row");
      h.set_attribute("std", "the predictive standard deviation of each row (noise included)");
      Eigen::VectorXd mean, sd;
      for (Eigen::Index first = 0; first < shard.x.rows(); first += kBlock) {
        const auto n = std::min(kBlock, shard.x.rows() - first);
        stats::predict_bayes_linreg(*blr, shard.x.middleRows(first, n), mean, sd);
        const Eigen::VectorXf m = mean.cast<float>(), d = sd.cast<float>();
        const auto at = static_cast<hsize_t>(shard.rows.first + first);
        mean_ds.write_block<float>({at}, {static_cast<hsize_t>(n)},
                                   {m.data(), static_cast<std::size_t>(n)});
        std_ds.write_block<float>({at}, {static_cast<hsize_t>(n)},
                                  {d.data(), static_cast<std::size_t>(n)});
      }
    } else {
      // /predictions: the most responsible component; /scores: the responsibilities.
      const auto* gmm = std::get_if<stats::GmmModel>(&model);
      const stats::GmmScorer scorer(*gmm);  // refuses a degenerate covariance before any write
      const auto columns = static_cast<hsize_t>(gmm->means.rows());
      const auto out = create_output(file, "scores", columns, true, shard, model_path, world);
      Eigen::MatrixXd resp;
      write_blocks(
          out, shard, columns,
          [&](const data::RowMatrix& x, data::RowMatrix& values, std::vector<std::int32_t>& ids) {
            scorer.responsibilities(x, resp);
            row_argmax(resp, ids);
            values = resp.cast<float>();
          });
    }
  });
  if (world.rank() == 0)
    std::printf("wrote %s (%lld rows)\n", out_path.c_str(),
                static_cast<long long>(shard.info.rows));
}

void add_transform_command(CLI::App& app, Action& action) {
  struct TransformOptions {
    std::string model, data, out;
  };
  auto t = std::make_shared<TransformOptions>();
  auto* transform =
      app.add_subcommand("transform",
                         "write a fitted model's transform of a data file (PCA scores, k-means "
                         "distances) as a psml data file");
  transform->add_option("--model-file", t->model, "fitted model file (psml fit)")->required();
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
