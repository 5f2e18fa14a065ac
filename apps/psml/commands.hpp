// The subcommands of the psml program. Each registers its options on the CLI11 app and returns
// the action to run once parsing succeeded.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "psml/comm/communicator.hpp"

namespace psml::cli {

using Action = std::function<void(const comm::Communicator&)>;

void add_train_command(CLI::App& app, Action& action);
void add_data_command(CLI::App& app, Action& action);
void add_check_command(CLI::App& app, Action& action);
void add_bench_command(CLI::App& app, Action& action);
void add_model_commands(CLI::App& app, Action& action);

}  // namespace psml::cli
