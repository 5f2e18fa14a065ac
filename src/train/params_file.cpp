#include "psml/train/params_file.hpp"

#include "psml/core/version.hpp"
#include "psml/data/h5.hpp"

namespace psml::train {

void write_params(const std::string& path, std::span<const float> params, const std::string& model,
                  const std::string& config) {
  const auto file = h5::File::create(path);
  const auto n = static_cast<hsize_t>(params.size());
  file.create_dataset<float>("params", {n}, {}, 0).write_rows<float>(0, n, params);
  file.set_attribute("model", model);
  file.set_attribute("config", config);
  file.set_attribute("psml_version", std::string(kVersion));
}

}  // namespace psml::train
