// The checks of a run's options against each other and the training file that every rank makes
// before any set-up (inside one agreed phase, so all ranks fail alike).
#pragma once

#include "psml/data/schema.hpp"
#include "psml/train/train_config.hpp"

namespace psml::train {

void check_run(const TrainConfig& config, const data::DatasetInfo& train_info);

}  // namespace psml::train
