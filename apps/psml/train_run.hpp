// Running psml train once its options are parsed: the run's record and callbacks (stop signals,
// test fault injection), train(), and the lines printed after the epochs.
#pragma once

#include "psml/comm/communicator.hpp"
#include "psml/train/train_config.hpp"
#include "run_record.hpp"

namespace psml::cli {

// Trains `config` on `world` (collective), recording the run as `record` says.
void run_training(train::TrainConfig& config, const RecordOptions& record,
                  const comm::Communicator& world);

}  // namespace psml::cli
