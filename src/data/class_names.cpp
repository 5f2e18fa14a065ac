#include "psml/data/class_names.hpp"

#include <nlohmann/json.hpp>

#include "psml/core/error.hpp"

namespace psml::data {
namespace {
constexpr const char* kAttribute = "class_names";
}  // namespace

void write_class_names(const h5::File& file, const std::vector<std::string>& names) {
  if (!names.empty()) file.set_attribute(kAttribute, nlohmann::json(names).dump());
}

std::vector<std::string> read_class_names(const h5::File& file, std::int64_t classes) {
  const auto text = file.string_attribute(kAttribute);
  if (!text) return {};
  const auto where = file.path() + ": attribute " + kAttribute;
  const auto j = nlohmann::json::parse(*text, nullptr, false);
  std::vector<std::string> names;
  if (!j.is_array()) throw error(where, " is not a JSON array of strings");
  for (const auto& name : j) {
    if (!name.is_string()) throw error(where, " is not a JSON array of strings");
    names.push_back(name.get<std::string>());
  }
  if (static_cast<std::int64_t>(names.size()) != classes)
    throw error(where, " names ", names.size(), " classes, the model has ", classes);
  return names;
}

}  // namespace psml::data
