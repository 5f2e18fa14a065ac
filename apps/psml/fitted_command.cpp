// psml transform: a fitted model's transform of a data file (PCA scores, k-means distances) as a
// psml data file, each rank writing its own rows with parallel HDF5. (psml predict gives every
// fitted model's predictions: predict_command.cpp.)
#include <cstdio>
#include <memory>
#include <variant>

#include "commands.hpp"
#include "open_model.hpp"
#include "output_file.hpp"
#include "psml/comm/agreement.hpp"
#include "psml/core/error.hpp"
#include "psml/data/h5.hpp"
#include "psml/data/row_blocks.hpp"
#include "psml/infer/prediction_file.hpp"
#include "psml/stats/model_file.hpp"

namespace psml::cli {
namespace {

// Creates the output data file: `columns` float values per row in /features, and the input's
// labels when it has them.
h5::Dataset create_output(const h5::File& file, hsize_t columns, const data::Shard& shard,
                          const std::string& model_path) {
  auto values = file.create_dataset<float>(data::kFeaturesDataset,
                                           {static_cast<hsize_t>(shard.info.rows), columns}, {}, 0);
  file.set_attribute("model", model_path);
  file.set_attribute("data", shard.info.path);
  infer::write_labels(file, shard);
  return values;
}

// Runs `compute(rows, values)` over blocks of the shard and writes what it gives.
template <class Compute>
void write_blocks(const h5::Dataset& out, const data::Shard& shard, hsize_t columns,
                  Compute compute) {
  data::RowMatrix block, values;
  data::for_each_row_block(shard.x.rows(), [&](Eigen::Index first, Eigen::Index n) {
    block = shard.x.middleRows(first, n);
    compute(block, values);
    const auto at = static_cast<hsize_t>(shard.rows.first + first);
    out.write_block<float>({at, 0}, {static_cast<hsize_t>(n), columns},
                           {values.data(), static_cast<std::size_t>(values.size())});
  });
}

stats::FittedModel load_fitted(const std::string& path, const data::Shard& shard,
                               const comm::Communicator& world) {
  stats::FittedModel model;
  comm::run_agreed(world, [&] {
    model = stats::load_model(path);
    check_features(model, shard, path);
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
                   const data::DatasetNames& names, const std::string& out_path,
                   const comm::Communicator& world) {
  const auto shard = load_dense_rows(data_path, true, world, names);
  const auto model = load_fitted(model_path, shard, world);
  if (!std::holds_alternative<stats::PcaModel>(model) &&
      !std::holds_alternative<stats::KMeansModel>(model))
    throw comm::CollectiveError(model_path + ": a " + stats::model_kind(model) +
                                    " model has no transform; psml predict gives its outputs",
                                world.rank() == 0);
  write_output_file(out_path, world, [&](const std::string& file) {
    const h5::File h = h5::File::create_parallel(file, world.native());
    if (const auto* pca = std::get_if<stats::PcaModel>(&model)) {
      const auto columns = static_cast<hsize_t>(pca->components.rows());
      write_blocks(create_output(h, columns, shard, model_path), shard, columns,
                   [&](const data::RowMatrix& x, data::RowMatrix& values) {
                     values = stats::pca_transform(*pca, x);
                   });
    } else {
      const auto* km = std::get_if<stats::KMeansModel>(&model);
      const auto columns = static_cast<hsize_t>(km->centroids.rows());
      stats::NearestCentroid nearest(km->centroids);
      write_blocks(create_output(h, columns, shard, model_path), shard, columns,
                   [&](const data::RowMatrix& x, data::RowMatrix& values) {
                     values = squared_distances(nearest, x).cwiseSqrt().cast<float>();
                   });
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

void add_transform_command(CLI::App& app, Action& action) {
  struct TransformOptions {
    std::string model, data, out;
    data::DatasetNames names;
  };
  auto t = std::make_shared<TransformOptions>();
  auto* transform =
      app.add_subcommand("transform",
                         "write a fitted model's transform of a data file (PCA scores, k-means "
                         "distances) as a psml data file");
  transform->add_option("--model-file", t->model, "fitted model file (psml fit)")->required();
  transform->add_option("--data", t->data, "data file (HDF5)")->required();
  add_dataset_name_options(transform, t->names);
  transform->add_option("--out", t->out, "output data file: /features, and /labels if any")
      ->required();
  transform->callback([t, &action] {
    action = [t](const comm::Communicator& world) {
      run_transform(t->model, t->data, t->names, t->out, world);
    };
  });
}

}  // namespace psml::cli
