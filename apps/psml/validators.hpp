// Checks of numeric options whose failures read as a user would say them ("must be a positive
// number"), where CLI11's own print the range up to the largest double.
#pragma once

#include <cmath>
#include <map>
#include <string>
#include <vector>
#include "cli11.hpp"

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

// One width of --hidden's list (CLI11 checks each item of a delimited list): a mistyped list
// ("64x32") is told the format, not a range.
inline const CLI::Validator layer_width(
    [](std::string& text) -> std::string {
      const std::string format = "give layer widths separated by commas, e.g. 256,128";
      try {
        std::size_t used = 0;
        const long long width = std::stoll(text, &used);
        if (used != text.size()) return "'" + text + "' is not a width: " + format;
        if (width < 1 || width > (1LL << 24))
          return "'" + text + "': a layer width is 1 to " + std::to_string(1LL << 24);
      } catch (const std::exception&) {
        return "'" + text + "' is not a width: " + format;
      }
      return {};
    },
    "WIDTH,...");

// An option that names one of `choices`. The name stays the option's result as given (CLI11's
// transformers would turn it into the enum's number), so the effective configuration shows it;
// `target` gets the value it names.
template <class Target, class Value>
CLI::Option* add_choice(CLI::App* cmd, const std::string& name, Target& target,
                        std::map<std::string, Value> choices, const std::string& description) {
  std::vector<std::string> names;
  for (const auto& choice : choices) names.push_back(choice.first);
  return cmd
      ->add_option_function<std::string>(
          name, [&target, choices](const std::string& text) { target = choices.at(text); },
          description)
      ->check(CLI::IsMember(names));
}

}  // namespace psml::cli
