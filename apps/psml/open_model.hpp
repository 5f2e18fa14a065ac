// Opening a model file of either origin (a checkpoint or saved model of psml train, a fitted
// model of psml fit) with this rank's rows of a data file, for eval, compare and predict: every
// check runs on every rank inside one agreed phase, before anything else collective.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "psml/comm/communicator.hpp"
#include "psml/infer/local_rows.hpp"
#include "psml/infer/predictor.hpp"
#include "psml/stats/model_file.hpp"

namespace psml::cli {

struct OpenedModel {
  std::string path;  // the model file read (a checkpoint directory: its newest valid checkpoint)
  std::unique_ptr<infer::Predictor> predictor;
  std::optional<infer::LocalRows> rows;  // this rank's rows of the data file
};

// A checkpoint (file or directory), saved model or run folder (checkpoint_path_of); prints the
// notes on skipped checkpoints. Labels::kOptional (predict): the data file may have no /labels.
OpenedModel open_trained_model(const std::string& path, const std::string& data_path,
                               const comm::Communicator& world,
                               data::Labels labels = data::Labels::kRequired,
                               const data::DatasetNames& names = {});

// Where the checkpoints of `path` are: a run folder (psml train --run-dir) stands for its
// checkpoints/ folder, anything else for itself. Throws psml::Error, saying so, for a run folder
// whose run saved no checkpoint.
std::string checkpoint_path_of(const std::string& path);

// Throws psml::Error when a command cannot use a fitted model on these rows.
using FittedCheck = std::function<void(const stats::FittedModel&, const data::Shard&)>;

// A fitted model and the data's dense rows (their labels when `with_labels`: predictions need
// none), checked by `check` (which calls check_features where its command always has).
OpenedModel open_fitted_model(const std::string& path, const std::string& data_path,
                              const comm::Communicator& world, const FittedCheck& check,
                              const data::DatasetNames& names = {}, bool with_labels = true);

// Throws psml::Error when the rows have other features than the fitted model takes.
void check_features(const stats::FittedModel& model, const data::Shard& shard,
                    const std::string& model_path);

}  // namespace psml::cli
