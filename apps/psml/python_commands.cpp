// psml report, psml experiment and psml simulate are Python scripts shipped with psml: this
// process is replaced by the script before MPI starts.
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"

namespace psml::cli {
namespace {

namespace fs = std::filesystem;

struct PythonCommand {
  const char* name;    // argv[1]
  const char* script;  // under apps/ in the source tree, under share/psml/ installed
};
constexpr std::array<PythonCommand, 3> kCommands{{{"report", "report/psml_report.py"},
                                                  {"experiment", "experiment/psml_experiment.py"},
                                                  {"simulate", "simulate/psml_simulate.py"}}};

fs::path this_program() {
  std::error_code error;
  return fs::read_symlink("/proc/self/exe", error);
}

// An installed psml's copy of `installed` (under <prefix>/share/psml/, beside <prefix>/bin/psml)
// when there is one, else `source`, the source tree's, which the build tree's psml runs.
fs::path installed_or_source(const fs::path& installed, const fs::path& source) {
  std::error_code error;
  const auto copy = this_program().parent_path() / ".." / "share" / "psml" / installed;
  if (fs::exists(copy, error)) return copy.lexically_normal();
  return source;
}

// The scripts keep their folders (report/psml_report.py) when installed: each finds the package
// they share, psml_tools, beside its folder, in both trees.
std::string find_script(const std::string& relative) {
  const auto script = installed_or_source(relative, fs::path(PSML_APPS_DIR) / relative);
  std::error_code error;
  if (!fs::exists(script, error))
    throw std::runtime_error("cannot find " + relative +
                             " (not beside this psml in ../share/psml, nor at " + script.string() +
                             ")");
  return script.string();
}

// cluster/local/run.sh, for experiments on the emulated cluster.
std::string cluster_script() {
  return installed_or_source(fs::path("cluster") / "run.sh",
                             fs::path(PSML_SOURCE_DIR) / "cluster" / "local" / "run.sh")
      .string();
}

std::string python_interpreter() {
  if (const char* python = std::getenv("PSML_PYTHON"); python != nullptr && *python != '\0')
    return python;
  if (::access("/usr/bin/python3", X_OK) == 0) return "/usr/bin/python3";  // Debian's matplotlib
  return "python3";
}

}  // namespace

bool is_python_command(const char* name) {
  for (const auto& command : kCommands)
    if (std::string_view(name) == command.name) return true;
  return false;
}

void exec_python_command(int argc, char** argv) {
  std::string script;
  for (const auto& command : kCommands)
    if (std::string_view(argv[1]) == command.name) script = find_script(command.script);
  // The scripts run this psml (experiment starts training runs) and find the cluster script.
  ::setenv("PSML_BIN", this_program().c_str(), 0);
  ::setenv("PSML_CLUSTER_RUN", cluster_script().c_str(), 0);
  std::string python = python_interpreter();
  std::vector<char*> args{python.data(), script.data()};
  args.insert(args.end(), argv + 2, argv + argc);
  args.push_back(nullptr);
  ::execvp(python.c_str(), args.data());  // a name with a '/' is run as it is, not looked up
  throw std::runtime_error("cannot run " + python + " (" + std::strerror(errno) + "): psml " +
                           argv[1] +
                           " needs Python 3 with matplotlib (Debian: python3-matplotlib)");
}

}  // namespace psml::cli
