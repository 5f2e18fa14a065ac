// The wording of a bad command line: which command's help a line points to ("psml train
// --help"), and the name the user probably meant where one is mistyped ("did you mean --epochs?").
#pragma once

#include <optional>
#include <string>
#include <vector>
#include "cli11.hpp"

namespace psml::cli {

// The command the arguments name: `app` itself, or the subcommand ("train", "data synth").
// `args`: the command line without the program name.
CLI::App& command_named(CLI::App& app, const std::vector<std::string>& args);

// As a user types it: "psml", "psml train", "psml data synth".
std::string command_path(const CLI::App& command);

// The line for a command name that is none: "'tran' is not a psml command; did you mean
// 'train'? (psml --help lists them)". Empty when every command the arguments name exists.
std::string unknown_command(CLI::App& app, const std::vector<std::string>& args);

// The line for a parse error `e` of `app`, whose arguments name `command`: an option the command
// does not have first ("--epoch: not an option of psml train; did you mean --epochs? (psml train
// --help lists them)"), the first mistake whatever failed after it; else CLI11's own words,
// pointing to the command's help.
std::string usage_message(const CLI::ParseError& e, const CLI::App& app, CLI::App& command);

// The name among `names` closest to `typed` by edit distance, if close enough to be a typo.
std::optional<std::string> closest_name(const std::string& typed,
                                        const std::vector<std::string>& names);

}  // namespace psml::cli
