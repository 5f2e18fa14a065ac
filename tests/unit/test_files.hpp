// What the unit tests that write files and expect errors share.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "psml/core/error.hpp"

namespace psml::testing {

// A path in the temporary folder: psml_unit_<name>.
inline std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("psml_unit_" + name)).string();
}

// The message of the psml::Error f throws, or "(no error)".
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace psml::testing
