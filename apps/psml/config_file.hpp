// `psml train --config FILE`: a TOML file of options (`key = value`, each key an option's long
// name without the dashes, at the top level or under [train]). CLI11 2.1 reads config files
// only for the top-level app, so the file's keys are turned into command-line options before
// parsing, each unless the command line gives it too (the command line wins). An empty value
// (`resume = ""`) leaves the option unset.
#pragma once

#include <string>
#include <vector>
#include "cli11.hpp"

namespace psml::cli {

// `train --resume RUN_FOLDER` without --config reads RUN_FOLDER/config.toml (but its run-dir and
// resume keys), and `train --resume CHECKPOINT_DIR` (or a checkpoint file) the configuration the
// checkpoint stores (but its folders: a resumed run writes where it resumes from): the run
// continues with its own configuration. The command line may repeat its options; it may change
// only those a resume may (--epochs, the data files, the ranks, mode and transports, the
// records), and an option the change makes inapplicable (a ps run's --consistency, resumed in
// --mode allreduce) is left out. Another value of any other option is an error naming both.
// `args`: the command line without the program name. Returns it with the file's options added
// after the subcommand. Throws CLI::ValidationError naming the file for a file that cannot be
// read, for a key that is not an option of the subcommand (a resumed run's is left out) and for
// an option a resumed run may not change.
std::vector<std::string> expand_config_file(CLI::App& app, std::vector<std::string> args);

// A parse error `what` about an option that the command line `args` does not give came from the
// --config file: "run.toml: --epochs: ..." (else `what` as it is).
std::string name_config_file(std::string what, const std::vector<std::string>& args);

// Every option of `sub` (but help and the configuration's own) as TOML with each option's
// description as a comment, and reads back as a --config file. Its default (--print-config), or
// with `given_values` the value the command line or --config file gave it: the effective
// configuration of a run.
std::string options_as_toml(const CLI::App& sub, bool given_values = false);

}  // namespace psml::cli
