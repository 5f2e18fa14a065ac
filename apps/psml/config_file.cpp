#include "config_file.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace psml::cli {
namespace {

bool given(const std::vector<std::string>& args, const std::string& option) {
  return std::any_of(args.begin(), args.end(), [&](const std::string& a) {
    return a == option || a.rfind(option + "=", 0) == 0;
  });
}

// The VALUE of `option VALUE` or `option=VALUE` (empty: not given).
std::string value_of(const std::vector<std::string>& args, const std::string& option) {
  std::string value;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == option && i + 1 < args.size()) value = args[i + 1];
    if (args[i].rfind(option + "=", 0) == 0) value = args[i].substr(option.size() + 1);
  }
  return value;
}

// The FILE of `--config FILE`, or the config.toml of the run folder `--resume` continues.
std::string config_file_of(const std::vector<std::string>& args, bool* of_run_folder = nullptr) {
  std::string file = value_of(args, "--config");
  if (of_run_folder) *of_run_folder = false;
  const std::string resume = value_of(args, "--resume");
  if (!file.empty() || resume.empty()) return file;
  const std::string folder_config = resume + "/config.toml";
  if (!std::filesystem::is_regular_file(folder_config)) return file;
  if (of_run_folder) *of_run_folder = true;
  return folder_config;
}

}  // namespace

std::string name_config_file(std::string what, const std::vector<std::string>& args) {
  const std::string file = config_file_of(args);
  if (file.empty()) return what;
  const std::string option = what.substr(0, what.find(':'));
  if (option.rfind("--", 0) == 0 && !given(args, option)) return file + ": " + what;
  return what;
}

std::vector<std::string> expand_config_file(CLI::App& app, std::vector<std::string> args) {
  bool of_run_folder = false;  // `train --resume RUN_FOLDER`: the folder's own configuration
  const std::string file = config_file_of(args, &of_run_folder);
  const auto at = std::find_if(args.begin(), args.end(),
                               [](const std::string& a) { return !a.empty() && a[0] != '-'; });
  if (file.empty() || at == args.end()) return args;
  CLI::App* sub = nullptr;
  try {
    sub = app.get_subcommand(*at);
  } catch (const CLI::OptionNotFound&) {
    return args;  // not a subcommand: CLI11 will say so
  }
  std::vector<CLI::ConfigItem> items;
  try {
    items = CLI::ConfigTOML().from_file(file);
  } catch (const CLI::FileError&) {
    throw CLI::ValidationError(file, "cannot read this configuration file");
  } catch (const CLI::ParseError& e) {
    throw CLI::ValidationError(file, e.what());
  }
  std::vector<std::string> added;
  for (const auto& item : items) {
    if (item.name == "++" || item.name == "--") continue;  // section markers
    // A resumed run folder is the run folder, whatever folder its first run was given.
    if (of_run_folder && (item.name == "run-dir" || item.name == "resume")) continue;
    const bool ours = item.parents.empty() || item.parents == std::vector<std::string>{*at};
    CLI::Option* option = ours ? sub->get_option_no_throw("--" + item.name) : nullptr;
    if (option == nullptr || item.name == "print-config" || item.name == "print-option-rules")
      throw CLI::ValidationError(file, "unknown key '" + item.fullname() + "'");
    const std::string name = "--" + item.name;
    if (given(args, name)) continue;  // the command line wins
    // An empty value (as --print-config writes an option without a default) leaves it unset.
    if (item.inputs.empty() || (item.inputs.size() == 1 && item.inputs.front().empty())) continue;
    if (item.name == "config")
      throw CLI::ValidationError(file, "a configuration file cannot name another (config)");
    // A default changes nothing (and an option of the other mode at its default is no error):
    // --print-config's whole output reads back.
    const std::string joined = item.inputs.size() == 1
                                   ? item.inputs.front()
                                   : "[" + CLI::detail::join(item.inputs, ",") + "]";
    if (joined == option->get_default_str()) continue;
    if (option->get_expected_max() == 0) {  // a flag: true gives it, false leaves it out
      const auto& value = item.inputs.front();
      if (value != "true" && value != "false")
        throw CLI::ValidationError(file, item.name + " = " + value + ": must be true or false");
      if (value == "true") added.push_back(name);
      continue;
    }
    if (item.inputs.size() == 1) {
      added.push_back(name + "=" + item.inputs.front());
    } else {
      added.push_back(name);
      added.insert(added.end(), item.inputs.begin(), item.inputs.end());
    }
  }
  args.insert(at + 1, added.begin(), added.end());
  return args;
}

namespace {

// A value as TOML: a number as it is, an array of each item, anything else a quoted string.
std::string toml_value(const std::vector<std::string>& items, bool array) {
  const auto scalar = [](const std::string& text) {
    char* end = nullptr;
    std::strtod(text.c_str(), &end);
    const bool number = !text.empty() && end == text.c_str() + text.size();
    if (number) return text;
    std::string quoted = "\"";
    for (const char c : text)
      quoted += c == '"' || c == '\\' ? std::string("\\") + c : std::string(1, c);
    return quoted + "\"";
  };
  if (!array) return items.empty() ? "\"\"" : scalar(items.front());
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + scalar(item);
  return "[" + out + "]";
}

}  // namespace

std::string options_as_toml(const CLI::App& sub, bool given_values) {
  std::string out;
  for (const CLI::Option* option : sub.get_options()) {
    const auto& names = option->get_lnames();
    if (names.empty()) continue;
    const std::string& name = names.front();
    if (name == "help" || name == "config" || name == "print-config" ||
        name == "print-option-rules")
      continue;
    const bool given = given_values && option->count() > 0;
    std::string value;
    if (option->get_expected_max() == 0) {  // a flag
      value = given || option->get_default_str() == "true" ? "true" : "false";
    } else if (given) {
      value = toml_value(option->results(), option->get_expected_max() > 1);
    } else {
      // The default as CLI11 shows it: "[256,128]" for a list.
      std::string text = option->get_default_str();
      const bool list = !text.empty() && text.front() == '[';
      std::vector<std::string> items;
      if (list) {
        text = text.substr(1, text.size() - 2);
        for (std::size_t at = 0; at <= text.size();) {
          const auto comma = std::min(text.find(',', at), text.size());
          items.push_back(text.substr(at, comma - at));
          at = comma + 1;
        }
      } else {
        items.push_back(text);
      }
      value = toml_value(items, list);
    }
    out += "# " + option->get_description() + "\n" + name + " = " + value + "\n\n";
  }
  return out;
}

}  // namespace psml::cli
