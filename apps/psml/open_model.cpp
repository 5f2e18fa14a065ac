#include "open_model.hpp"

#include <filesystem>
#include <iostream>
#include <vector>

#include "commands.hpp"
#include "psml/checkpoint/checkpoint.hpp"
#include "psml/comm/agreement.hpp"
#include "psml/core/error.hpp"
#include "psml/infer/fitted_predictor.hpp"
#include "psml/infer/trained_predictor.hpp"
#include "psml/train/run_folder.hpp"

namespace psml::cli {

std::string checkpoint_path_of(const std::string& path) {
  if (!train::is_run_folder(path)) return path;
  const auto checkpoints = (std::filesystem::path(path) / "checkpoints").string();
  if (checkpoint::checkpoints_in(checkpoints).empty())
    throw error(path, ": a run folder with no checkpoint yet (the run saved none)");
  return checkpoints;
}

OpenedModel open_trained_model(const std::string& path, const std::string& data_path,
                               const comm::Communicator& world, data::Labels labels,
                               const data::DatasetNames& names) {
  OpenedModel m;
  std::vector<std::string> notes;
  comm::run_agreed(world, [&] {
    auto trained =
        infer::load_trained_model(checkpoint_path_of(path), data_path, notes, labels, names);
    m.rows.emplace(infer::read_local_rows(trained.data, world));
    m.path = trained.path;
    m.predictor = std::move(trained.predictor);
  });
  if (world.rank() == 0)
    for (const auto& note : notes) std::cout << note << "\n";
  return m;
}

OpenedModel open_fitted_model(const std::string& path, const std::string& data_path,
                              const comm::Communicator& world, const FittedCheck& check,
                              const data::DatasetNames& names, bool with_labels) {
  OpenedModel m;
  m.path = path;
  stats::FittedModel model;
  comm::run_agreed(world, [&] { model = stats::load_model(path); });
  // A classifier's labels are read as its classes (a file labelled by the names it keeps).
  const auto* nb = std::get_if<stats::NaiveBayesModel>(&model);
  auto shard = load_dense_rows(data_path, with_labels, world, names,
                               nb ? nb->class_names : std::vector<std::string>{});
  comm::run_agreed(world, [&] {
    check(model, shard);
    m.predictor = infer::make_fitted_predictor(std::move(model));
  });
  m.rows.emplace(std::move(shard));
  return m;
}

void check_features(const stats::FittedModel& model, const data::Shard& shard,
                    const std::string& model_path) {
  const auto features = infer::features_of(model);
  if (features != shard.info.features)
    throw error(shard.info.path, ": has ", shard.info.features, " features, the model in ",
                model_path, " takes ", features);
}

}  // namespace psml::cli
