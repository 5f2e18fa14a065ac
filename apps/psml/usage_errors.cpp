#include "usage_errors.hpp"

#include <algorithm>
#include <numeric>

namespace psml::cli {
namespace {

// Levenshtein distance: insertions, deletions and substitutions.
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The subcommand named `name` of `app`, or null.
CLI::App* subcommand_of(CLI::App& app, const std::string& name) {
  for (CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    if (sub->check_name(name)) return sub;
  return nullptr;
}

std::vector<std::string> subcommand_names(CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    names.push_back(sub->get_name());
  return names;
}

// Walks the command names at the front of `args` (each the first word that is no option); calls
// `at(app, word)` for a word that names no subcommand of an app that has some, and stops.
template <class OnUnknown>
CLI::App* walk_commands(CLI::App& app, const std::vector<std::string>& args, OnUnknown at) {
  CLI::App* command = &app;
  for (const auto& arg : args) {
    if (arg == "--") break;
    if (arg.empty() || arg[0] == '-') continue;
    if (subcommand_names(*command).empty()) break;
    CLI::App* sub = subcommand_of(*command, arg);
    if (!sub) {
      at(*command, arg);
      break;
    }
    command = sub;
  }
  return command;
}

// The long names of `command`'s options.
std::vector<std::string> option_names(CLI::App& command) {
  std::vector<std::string> names;
  for (const CLI::Option* option : command.get_options())
    for (const auto& name : option->get_lnames()) names.push_back("--" + name);
  return names;
}

}  // namespace

std::optional<std::string> closest_name(const std::string& typed,
                                        const std::vector<std::string>& names) {
  // A typo: a letter or two in a long name, one in a short one.
  const std::size_t allowed =
      std::max<std::size_t>(1, std::min<std::size_t>(2, (typed.size() + 1) / 3));
  std::optional<std::string> best;
  std::size_t best_distance = allowed + 1;
  for (const auto& name : names) {
    const std::size_t d = edit_distance(typed, name);
    if (d < best_distance) {
      best = name;
      best_distance = d;
    }
  }
  return best;
}

CLI::App& command_named(CLI::App& app, const std::vector<std::string>& args) {
  return *walk_commands(app, args, [](CLI::App&, const std::string&) {});
}

std::string command_path(const CLI::App& command) {
  std::vector<std::string> names;
  for (const CLI::App* at = &command; at->get_parent(); at = at->get_parent())
    names.push_back(at->get_name());
  std::string path = "psml";
  for (auto name = names.rbegin(); name != names.rend(); ++name) path += " " + *name;
  return path;
}

std::string unknown_command(CLI::App& app, const std::vector<std::string>& args) {
  std::string line;
  walk_commands(app, args, [&](CLI::App& command, const std::string& word) {
    if (command.get_require_subcommand_min() == 0) return;  // a positional argument of its own
    const auto path = command_path(command);
    line = "'" + word + "' is not a " + path + " command";
    if (const auto near = closest_name(word, subcommand_names(command)))
      line += "; did you mean '" + *near + "'?";
    line += " (" + path + " --help lists them)";
  });
  return line;
}

std::string usage_message(const CLI::ParseError& e, const CLI::App& app, CLI::App& command) {
  const std::string path = command_path(command);
  for (const auto& arg : app.remaining(true)) {  // the arguments no option took
    if (arg.size() < 2 || arg[0] != '-' || arg == "--") continue;
    const std::string name = arg.substr(0, arg.find('='));
    std::string line = name + ": not an option of " + path;
    if (const auto near = closest_name(name, option_names(command)))
      line += "; did you mean " + *near + "?";
    return line + " (" + path + " --help lists them)";
  }
  const auto commands = subcommand_names(command);
  if (command.get_require_subcommand_min() > 0 && command.get_subcommands().empty() &&
      !commands.empty())
    return "give a command, e.g. " + path + " " + commands.front() + " (" + path +
           " --help lists them)";
  std::string what = e.what();
  if (what.empty()) what = e.get_name();
  return what + " (see " + path + " --help)";
}

}  // namespace psml::cli
