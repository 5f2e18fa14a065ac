// Using a trained model: registers psml eval, psml compare, psml predict (eval_command.cpp,
// predict_command.cpp), and psml checkpoint inspect.
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.hpp"
#include "open_model.hpp"
#include "psml/checkpoint/checkpoint.hpp"
#include "psml/comm/agreement.hpp"
#include "psml/core/count_of.hpp"

namespace psml::cli {
namespace {

void run_inspect(const std::string& path, const comm::Communicator& world) {
  comm::run_agreed(world, [&] {
    if (world.rank() != 0) return;
    std::vector<std::string> notes;
    const auto file = checkpoint::find_valid_checkpoint(checkpoint_path_of(path), notes);
    for (const auto& note : notes) std::cout << note << "\n";
    const auto m = checkpoint::read_metadata(file);
    std::cout << "checkpoint      " << file << " (checksums verified)\n"
              << "model           " << m.model << ", " << m.num_params << " parameters, "
              << m.features << " features, " << m.num_classes << " classes (" << m.task << ")\n"
              << "optimizer       " << m.optimizer << ", step " << m.optimizer_step << ", "
              << m.state_slots << " state slots\n"
              << "position        epoch " << m.epoch << ", step " << m.step_in_epoch
              << " of the next epoch, global step " << m.global_step << ", seed " << m.seed << "\n"
              << "written by      " << m.mode << ", " << count_of(m.world_size, "rank") << " ("
              << count_of(m.workers, "worker") << ", " << count_of(m.servers, "server") << ")\n";
    if (!m.class_names.empty()) {
      std::cout << "class names    ";
      for (std::size_t k = 0; k < m.class_names.size(); ++k)
        std::cout << " " << k << "=" << m.class_names[k];
      std::cout << "\n";
    }
    std::cout << "standardized    "
              << (m.standardization.empty()
                      ? "no"
                      : "yes: (x - /standardize_mean) / /standardize_scale, per feature")
              << "\n";
    // The run's configuration: TOML (psml train --config reads it), its settings without their
    // comments; a one-line text in checkpoints of older psml versions.
    std::cout << "configuration\n";
    std::istringstream lines(m.config);
    for (std::string line; std::getline(lines, line);)
      if (!line.empty() && line.front() != '#') std::cout << "  " << line << "\n";
    std::cout.flush();
  });
}

}  // namespace

void add_model_commands(CLI::App& app, Action& action) {
  struct Options {
    std::string checkpoint, data, out, json, other;
    data::DatasetNames names;
  };
  auto o = std::make_shared<Options>();
  auto* eval = app.add_subcommand(
      "eval",
      "judge a model on a labelled data file: accuracy with its 95% interval, per-class "
      "precision / recall / F1, log loss, calibration, confusion matrix (regression: RMSE)");
  eval->add_option("--model-file,--checkpoint", o->checkpoint,
                   "a saved model (--save-model) or checkpoint file, a checkpoint directory "
                   "(its newest valid one) or a run folder (--run-dir); or a naive Bayes or "
                   "Bayesian linear regression model (psml fit)")
      ->required();
  eval->add_option("--data", o->data, "data file (HDF5)")->required();
  add_dataset_name_options(eval, o->names);
  eval->add_option("--json", o->json,
                   "also write a classifier's report as JSON (psml report draws its reliability "
                   "diagram)");
  eval->callback([o, &action] {
    action = [o](const comm::Communicator& world) {
      run_eval(o->checkpoint, o->data, o->names, o->json, world);
    };
  });
  auto* compare = app.add_subcommand(
      "compare", "do two classifiers' accuracies on the same rows differ? McNemar's exact test");
  compare->add_option("model_a", o->checkpoint, "first model (as psml eval takes)")->required();
  compare->add_option("model_b", o->other, "second model")->required();
  compare->add_option("--data", o->data, "labelled data file (HDF5) both are judged on")
      ->required();
  add_dataset_name_options(compare, o->names);
  compare->callback([o, &action] {
    action = [o](const comm::Communicator& world) {
      run_compare(o->checkpoint, o->other, o->data, o->names, world);
    };
  });
  auto* predict =
      app.add_subcommand("predict", "write a checkpoint's predictions for a data file to HDF5");
  predict
      ->add_option("--model-file,--checkpoint", o->checkpoint,
                   "a saved model (--save-model) or checkpoint file, a checkpoint directory or a "
                   "run folder (--run-dir); or a fitted k-means or mixture model (psml fit)")
      ->required();
  predict->add_option("--data", o->data, "data file (HDF5; /labels not needed)")->required();
  add_dataset_name_options(predict, o->names);
  predict->add_option("--out", o->out, "predictions file to write: /predictions, /scores")
      ->required();
  predict->callback([o, &action] {
    action = [o](const comm::Communicator& world) {
      run_predict(o->checkpoint, o->data, o->names, o->out, world);
    };
  });
  auto* ckpt = app.add_subcommand("checkpoint", "work with checkpoints");
  ckpt->require_subcommand(1);
  auto* inspect = ckpt->add_subcommand("inspect", "print what a checkpoint holds (and verify it)");
  inspect->add_option("path", o->checkpoint, "checkpoint file or directory, or a run folder")
      ->required();
  inspect->callback([o, &action] {
    action = [o](const comm::Communicator& world) { run_inspect(o->checkpoint, world); };
  });
}

}  // namespace psml::cli
