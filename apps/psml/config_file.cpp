#include "config_file.hpp"

#include <algorithm>
#include <cstdlib>

namespace psml::cli {
namespace {

bool given(const std::vector<std::string>& args, const std::string& option) {
  return std::any_of(args.begin(), args.end(), [&](const std::string& a) {
    return a == option || a.rfind(option + "=", 0) == 0;
  });
}

// The FILE of `--config FILE` or `--config=FILE` (empty: none).
std::string config_file_of(const std::vector<std::string>& args) {
  std::string file;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size()) file = args[i + 1];
    if (args[i].rfind("--config=", 0) == 0) file = args[i].substr(9);
  }
  return file;
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
  const std::string file = config_file_of(args);
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
    const bool ours = item.parents.empty() || item.parents == std::vector<std::string>{*at};
    CLI::Option* option = ours ? sub->get_option_no_throw("--" + item.name) : nullptr;
    if (option == nullptr || item.name == "print-config")
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
    if (option->get_expected_min() == 0) {  // a flag: true gives it, false leaves it out
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

std::string options_as_toml(const CLI::App& sub) {
  std::string out;
  for (const CLI::Option* option : sub.get_options()) {
    const auto& names = option->get_lnames();
    if (names.empty()) continue;
    const std::string& name = names.front();
    if (name == "help" || name == "config" || name == "print-config") continue;
    std::string value = option->get_default_str();
    if (option->get_expected_min() == 0) {
      value = value == "true" ? "true" : "false";
    } else if (!value.empty() && value.front() == '[') {
      // A list default ("[256,128]"): a TOML array.
      std::string items;
      for (const char c : value.substr(1, value.size() - 2))
        items += c == ',' ? std::string(", ") : std::string(1, c);
      value = "[" + items + "]";
    } else {
      char* end = nullptr;
      std::strtod(value.c_str(), &end);
      const bool number = !value.empty() && end == value.c_str() + value.size();
      if (!number) value = "\"" + value + "\"";
    }
    out += "# " + option->get_description() + "\n" + name + " = " + value + "\n\n";
  }
  return out;
}

}  // namespace psml::cli
