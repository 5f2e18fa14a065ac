// The subcommands of the psml program. Each registers its options on the CLI11 app and returns
// the action to run once parsing succeeded.
#pragma once

#include <functional>
#include "cli11.hpp"

#include "psml/comm/communicator.hpp"
#include "psml/data/schema.hpp"
#include "psml/data/shard.hpp"

namespace psml::cli {

using Action = std::function<void(const comm::Communicator&)>;

void add_train_command(CLI::App& app, Action& action);
void add_data_command(CLI::App& app, Action& action);
void add_check_command(CLI::App& app, Action& action);
void add_bench_command(CLI::App& app, Action& action);
void add_model_commands(CLI::App& app, Action& action);
void add_fit_commands(CLI::App& app, Action& action);
void add_transform_command(CLI::App& app, Action& action);

// psml report and psml experiment (argv[1]) are Python scripts (apps/report, apps/experiment):
// exec_python_command replaces this process with the script, run by $PSML_PYTHON, else
// /usr/bin/python3, else python3 from PATH, with PSML_BIN set to this program.
bool is_python_command(const char* name);
void exec_python_command(int argc, char** argv);

// --features-path and --labels-path: the datasets of a data file that names them otherwise (X
// and y, /train/X), for every command that reads one.
void add_dataset_name_options(CLI::App* cmd, data::DatasetNames& names);

// This rank's rows of a dense data file for an unsupervised model (its /labels only when
// `with_labels` and present; `class_names`: those of the model judged by them, onto whose ids
// the labels are read). Collective: every rank fails alike on a bad file.
data::Shard load_dense_rows(const std::string& path, bool with_labels,
                            const comm::Communicator& world, const data::DatasetNames& names = {},
                            const std::vector<std::string>& class_names = {});

// Whether `path` is a fitted model of psml fit (else a checkpoint or saved model of psml train).
// Collective.
bool is_fitted_model(const std::string& path, const comm::Communicator& world);

// psml eval, psml compare (eval_command.cpp) and psml predict (predict_command.cpp).
// `names`: the data file's datasets (--features-path, --labels-path).
void run_eval(const std::string& model_path, const std::string& data_path,
              const data::DatasetNames& names, const std::string& json_path,
              const comm::Communicator& world);
void run_compare(const std::string& a_path, const std::string& b_path, const std::string& data_path,
                 const data::DatasetNames& names, const comm::Communicator& world);
void run_predict(const std::string& model_path, const std::string& data_path,
                 const data::DatasetNames& names, const std::string& out,
                 const comm::Communicator& world);

}  // namespace psml::cli
