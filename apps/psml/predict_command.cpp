// psml predict: a model's predictions for every row of a data file, written by the inference
// module's one prediction-file writer (infer/prediction_file.hpp) for every kind of model.
#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "open_model.hpp"
#include "output_file.hpp"
#include "psml/core/error.hpp"
#include "psml/infer/prediction_file.hpp"

namespace psml::cli {
namespace {

void print_written(const std::string& out, const infer::Predictor& p, std::int64_t rows) {
  if (p.kind() != infer::PredictorKind::kTrained) {
    std::printf("wrote %s (%lld rows)\n", out.c_str(), static_cast<long long>(rows));
    return;
  }
  const bool classification = p.classes() > 0, probabilities = p.has_probabilities();
  std::cout << "wrote " << out << " (" << rows << " rows): /predictions ("
            << (classification ? "class ids" : "values") << "), /scores ("
            << (!classification ? "the same values"
                : probabilities ? "logits"
                                : "margins")
            << ")"
            << (probabilities ? ", /probabilities (softmax of the scores, one column per class)"
                              : "")
            << (p.class_names().empty() ? "" : ", /predicted_labels (the training data's labels)")
            << std::endl;
}

}  // namespace

void run_predict(const std::string& model_path, const std::string& data_path,
                 const data::DatasetNames& names, const std::string& out,
                 const comm::Communicator& world) {
  const auto refuse_pca = [&](const stats::FittedModel& model, const data::Shard& shard) {
    check_features(model, shard, model_path);
    if (std::holds_alternative<stats::PcaModel>(model))
      throw error(model_path, ": PCA has no predictions; psml transform gives its scores");
  };
  auto m = is_fitted_model(model_path, world)
               ? open_fitted_model(model_path, data_path, world, refuse_pca, names, false)
               : open_trained_model(model_path, data_path, world, data::Labels::kOptional, names);
  // Each rank writes its own rows of one file (parallel HDF5).
  write_output_file(out, world, [&](const std::string& path) {
    infer::write_prediction_file(path, *m.predictor, *m.rows, m.path, world);
  });
  if (world.rank() == 0) print_written(out, *m.predictor, m.rows->info().rows);
}

}  // namespace psml::cli
