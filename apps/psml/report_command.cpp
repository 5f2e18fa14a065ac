// psml report: the plots are drawn by a Python script shipped with psml (matplotlib), which
// replaces this process before MPI starts.
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "commands.hpp"

namespace psml::cli {
namespace {

// An installed psml's copy (<prefix>/bin/psml, <prefix>/share/psml/) when there is one, else the
// source tree's, which the build tree's psml runs.
std::string report_script() {
  std::error_code error;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    const auto installed = exe.parent_path() / ".." / "share" / "psml" / "psml_report.py";
    if (std::filesystem::exists(installed, error)) return installed.lexically_normal().string();
  }
  if (!std::filesystem::exists(PSML_REPORT_SCRIPT, error))
    throw std::runtime_error(
        "cannot find psml_report.py (not beside this psml in ../share/psml, "
        "nor at " PSML_REPORT_SCRIPT ")");
  return PSML_REPORT_SCRIPT;
}

std::string python_interpreter() {
  if (const char* python = std::getenv("PSML_PYTHON"); python != nullptr && *python != '\0')
    return python;
  if (::access("/usr/bin/python3", X_OK) == 0) return "/usr/bin/python3";  // Debian's matplotlib
  return "python3";
}

}  // namespace

void exec_report_script(int argc, char** argv) {
  std::string python = python_interpreter();
  std::string script = report_script();
  std::vector<char*> args{python.data(), script.data()};
  args.insert(args.end(), argv + 2, argv + argc);
  args.push_back(nullptr);
  ::execvp(python.c_str(), args.data());  // a name with a '/' is run as it is, not looked up
  throw std::runtime_error("cannot run " + python + " (" + std::strerror(errno) +
                           "): psml report needs Python 3 with matplotlib "
                           "(Debian: python3-matplotlib)");
}

}  // namespace psml::cli
