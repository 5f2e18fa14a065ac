// A trained model's parameters as an HDF5 file: /params (float32, the flat vector) with the model
// spec and configuration as attributes; readable with h5py. (Full checkpoints with optimizer state
// and data position build on this.)
#pragma once

#include <span>
#include <string>

namespace psml::train {

void write_params(const std::string& path, std::span<const float> params, const std::string& model,
                  const std::string& config);

}  // namespace psml::train
