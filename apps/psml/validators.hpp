// Checks of numeric options whose failures read as a user would say them ("must be a positive
// number"), where CLI11's own print the range up to the largest double.
#pragma once

#include <CLI/CLI.hpp>
#include <cmath>
#include <string>

namespace psml::cli {

inline CLI::Validator number_check(bool zero_allowed) {
  return CLI::Validator(
      [zero_allowed](std::string& text) -> std::string {
        const std::string want =
            zero_allowed ? "must be a number >= 0" : "must be a positive number";
        try {
          std::size_t used = 0;
          const double value = std::stod(text, &used);
          if (used != text.size() || !std::isfinite(value) || value < 0 ||
              (!zero_allowed && value == 0))
            return "'" + text + "' " + want;
        } catch (const std::exception&) {
          return "'" + text + "' " + want;
        }
        return {};
      },
      zero_allowed ? "NUMBER >= 0" : "POSITIVE");
}

inline const CLI::Validator positive_number = number_check(false);
inline const CLI::Validator non_negative_number = number_check(true);

}  // namespace psml::cli
