#include "config_file.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "psml/checkpoint/checkpoint.hpp"
#include "psml/core/error.hpp"
#include "psml/train/option_rules.hpp"

namespace psml::cli {
namespace {

namespace fs = std::filesystem;

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

bool is_number(const std::string& text) {
  char* end = nullptr;
  std::strtod(text.c_str(), &end);
  return !text.empty() && end == text.c_str() + text.size();
}

// What a resumed run may set anew: how long it trains, the data files (moved with the run to
// another machine), where and how it runs (ranks, mode, servers, transports, waits, memory) and
// where its records go. The rest is the model and how it learns, which a resume continues.
const std::set<std::string, std::less<>> kResumeMayChange = {
    // How long it trains, and the data files.
    "epochs", "data", "test",
    // The layout: ranks, mode, servers, transports, waits, memory.
    "mode", "servers", "key-layout", "deadline", "consistency", "ps-transport", "sparse-exchange",
    "allreduce", "compression", "bucket-mb", "data-memory", "no-step-check", "grace-seconds",
    "compute-seconds-per-row",
    // The records.
    "checkpoint-dir", "checkpoint-every", "checkpoint-keep", "save-model", "run-dir", "metrics",
    "trace", "log-every", "quiet", "verbose", "overwrite",
    // Not carried over (ConfigSource::skips): a resumed run may set it, and be told it cannot.
    "early-stop"};

// Where a run's options come from besides the command line: --config FILE, or the configuration
// of the run --resume continues (a run folder's config.toml, a checkpoint's `config` attribute).
struct ConfigSource {
  enum class Kind { kNone, kFile, kRunFolder, kCheckpoint };
  Kind kind = Kind::kNone;
  std::string file;  // as errors name it
  std::string toml;  // kCheckpoint: the configuration it stores

  bool resumed() const { return kind == Kind::kRunFolder || kind == Kind::kCheckpoint; }
  // Keys of a resumed run's configuration that are not carried over: the folders of the run
  // that wrote it (a resumed run writes where it resumes from), the one-off --overwrite, and
  // --early-stop, which watches a run from its first epoch and so cannot go on in a resume.
  bool skips(const std::string& key) const {
    return resumed() &&
           (key == "run-dir" || key == "resume" || key == "overwrite" || key == "early-stop" ||
            (kind == Kind::kCheckpoint && key == "checkpoint-dir"));
  }
};

// The checkpoint --resume names (a file, or a folder's newest whose metadata reads) and the
// configuration it stores; nothing when there is none (train says why when it resumes).
ConfigSource checkpoint_source(const std::string& resume) {
  std::vector<std::string> candidates;
  std::error_code ec;
  if (fs::is_regular_file(resume, ec)) {
    candidates.push_back(resume);
  } else if (fs::is_directory(resume, ec)) {
    std::string latest;
    if (std::ifstream(resume + "/latest") >> latest) candidates.push_back(resume + "/" + latest);
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(resume, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.starts_with("ckpt-") && name.ends_with(".h5")) files.push_back(entry.path());
    }
    std::sort(files.rbegin(), files.rend());  // the newest first: zero-padded steps
    candidates.insert(candidates.end(), files.begin(), files.end());
  }
  for (const auto& path : candidates) {
    try {
      auto config = checkpoint::read_metadata(path).config;
      return {ConfigSource::Kind::kCheckpoint, path, std::move(config)};
    } catch (const Error&) {
      // Damaged: the run's checkpoint search says so when it resumes.
    }
  }
  return {};
}

// Where the options of `args` come from besides the command line.
ConfigSource config_source_of(const std::vector<std::string>& args) {
  const std::string file = value_of(args, "--config");
  if (!file.empty()) return {ConfigSource::Kind::kFile, file, ""};
  const std::string resume = value_of(args, "--resume");
  if (resume.empty()) return {};
  const std::string folder_config = resume + "/config.toml";
  if (fs::is_regular_file(folder_config))
    return {ConfigSource::Kind::kRunFolder, folder_config, ""};
  return checkpoint_source(resume);
}

std::vector<CLI::ConfigItem> read_items(const ConfigSource& source) {
  try {
    if (source.kind != ConfigSource::Kind::kCheckpoint)
      return CLI::ConfigTOML().from_file(source.file);
    std::istringstream text(source.toml);
    return CLI::ConfigTOML().from_config(text);
  } catch (const CLI::FileError&) {
    throw CLI::ValidationError(source.file, "cannot read this configuration file");
  } catch (const CLI::ParseError& e) {
    throw CLI::ValidationError(source.file, e.what());
  }
}

// The name by which the command line `args` gives `option` ("--ps-deadline" for --deadline), or
// empty.
std::string name_given(const std::vector<std::string>& args, const CLI::Option& option) {
  for (const auto& name : option.get_lnames())
    if (given(args, "--" + name)) return "--" + name;
  return {};
}

// The values the command line `args` gives `option` (named `name`), split as CLI11 splits them.
std::vector<std::string> given_values(const std::vector<std::string>& args, const std::string& name,
                                      const CLI::Option& option) {
  std::vector<std::string> values;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i].rfind(name + "=", 0) == 0) values = {args[i].substr(name.size() + 1)};
    if (args[i] != name) continue;
    values.clear();
    if (option.get_expected_max() == 0) values.push_back("true");  // a flag
    for (std::size_t j = i + 1; j < args.size(); ++j) {
      if (values.size() >= static_cast<std::size_t>(option.get_expected_max())) break;
      if (args[j].size() > 1 && args[j][0] == '-' && !is_number(args[j])) break;
      values.push_back(args[j]);
    }
  }
  if (option.get_delimiter() == '\0') return values;
  std::vector<std::string> split;
  for (const auto& value : values) {
    std::stringstream parts(value);
    for (std::string part; std::getline(parts, part, option.get_delimiter());)
      split.push_back(part);
  }
  return split;
}

// Equal as the option reads them: 1e-3 is 0.001.
bool same_values(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i] && !(is_number(a[i]) && is_number(b[i]) &&
                          std::strtod(a[i].c_str(), nullptr) == std::strtod(b[i].c_str(), nullptr)))
      return false;
  return true;
}

// A resumed run continues its model and how it learns: the command line may repeat those
// options, not change them. `used`: the option's name on the command line.
void check_resumed_option(const ConfigSource& source, const CLI::ConfigItem& item,
                          const CLI::Option& option, const std::string& used,
                          const std::vector<std::string>& args) {
  if (kResumeMayChange.count(item.name) > 0) return;
  const std::string name = "--" + item.name;
  const auto now = given_values(args, used, option);
  if (same_values(now, item.inputs)) return;
  throw CLI::ValidationError(
      name + " " + CLI::detail::join(now, ","),
      "the run --resume continues has " + name + " " + CLI::detail::join(item.inputs, ",") + " (" +
          source.file +
          "); a resume may change only --epochs, the data files, the layout and the records: "
          "train anew for another " +
          name);
}

// A resumed run's option that the command line's change of another makes inapplicable (a ps
// run's --consistency when the run resumes in --mode allreduce): left out.
bool inapplicable(const std::string& key, const std::vector<std::string>& args) {
  for (const auto& rule : train::option_rules()) {
    if (rule.option != key) continue;
    for (const auto& condition : rule.applies_when) {
      const std::string on = "--" + std::string(condition.on);
      if (condition.on == "data" || !given(args, on)) continue;
      const std::string value = value_of(args, on);
      if (std::find(condition.values.begin(), condition.values.end(), value) ==
          condition.values.end())
        return true;
    }
  }
  return false;
}

// The command-line form of the configuration item `item` (of `option`): nothing where it changes
// nothing.
std::vector<std::string> as_arguments(const ConfigSource& source, const CLI::ConfigItem& item,
                                      const CLI::Option& option) {
  const std::string name = "--" + item.name;
  // An empty value (as --print-config writes an option without a default) leaves it unset.
  if (item.inputs.empty() || (item.inputs.size() == 1 && item.inputs.front().empty())) return {};
  if (item.name == "config")
    throw CLI::ValidationError(source.file, "a configuration file cannot name another (config)");
  // A default changes nothing (and an option of the other mode at its default is no error):
  // --print-config's whole output reads back.
  const std::string joined = item.inputs.size() == 1
                                 ? item.inputs.front()
                                 : "[" + CLI::detail::join(item.inputs, ",") + "]";
  if (joined == option.get_default_str()) return {};
  if (option.get_expected_max() == 0) {  // a flag: true gives it, false leaves it out
    const auto& value = item.inputs.front();
    if (value != "true" && value != "false")
      throw CLI::ValidationError(source.file,
                                 item.name + " = " + value + ": must be true or false");
    return value == "true" ? std::vector<std::string>{name} : std::vector<std::string>{};
  }
  if (item.inputs.size() == 1) return {name + "=" + item.inputs.front()};
  std::vector<std::string> out{name};
  out.insert(out.end(), item.inputs.begin(), item.inputs.end());
  return out;
}

}  // namespace

std::string name_config_file(std::string what, const std::vector<std::string>& args) {
  const std::string file = config_source_of(args).file;
  if (file.empty()) return what;
  // "--epochs: ...", or naming the value too: "--lr 0.1: ...".
  const std::string option = what.substr(0, what.find_first_of(": "));
  if (option.rfind("--", 0) == 0 && !given(args, option)) return file + ": " + what;
  return what;
}

std::vector<std::string> expand_config_file(CLI::App& app, std::vector<std::string> args) {
  const ConfigSource source = config_source_of(args);
  const auto at = std::find_if(args.begin(), args.end(),
                               [](const std::string& a) { return !a.empty() && a[0] != '-'; });
  if (source.kind == ConfigSource::Kind::kNone || at == args.end()) return args;
  CLI::App* sub = nullptr;
  try {
    sub = app.get_subcommand(*at);
  } catch (const CLI::OptionNotFound&) {
    return args;  // not a subcommand: CLI11 will say so
  }
  std::vector<std::string> added;
  for (const auto& item : read_items(source)) {
    if (item.name == "++" || item.name == "--") continue;  // section markers
    if (source.skips(item.name)) continue;
    const bool ours = item.parents.empty() || item.parents == std::vector<std::string>{*at};
    CLI::Option* option = ours ? sub->get_option_no_throw("--" + item.name) : nullptr;
    const bool unknown =
        option == nullptr || item.name == "print-config" || item.name == "print-option-rules";
    // A resumed run's key this psml does not know (an option of another version) is left out.
    if (unknown && source.resumed()) continue;
    if (unknown) throw CLI::ValidationError(source.file, "unknown key '" + item.fullname() + "'");
    const std::string used = name_given(args, *option);
    if (!used.empty()) {  // the command line wins, within what a resume allows
      if (source.resumed()) check_resumed_option(source, item, *option, used, args);
      continue;
    }
    if (source.resumed() && inapplicable(item.name, args)) continue;
    const auto arguments = as_arguments(source, item, *option);
    added.insert(added.end(), arguments.begin(), arguments.end());
  }
  args.insert(at + 1, added.begin(), added.end());
  return args;
}

namespace {

// A value as TOML: a number as it is, an array of each item, anything else a quoted string.
std::string toml_value(const std::vector<std::string>& items, bool array) {
  const auto scalar = [](const std::string& text) {
    if (is_number(text)) return text;
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
    // --overwrite is what one run does to its folder, not part of any run's configuration.
    if (name == "help" || name == "config" || name == "print-config" ||
        name == "print-option-rules" || name == "overwrite")
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
