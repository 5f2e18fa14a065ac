// What every unit of a training run reads: the options, the ranks and their roles, the training
// file's description, the checkpoint to resume from and the callbacks. Built once by train().
#pragma once

#include <string>

#include "psml/comm/communicator.hpp"
#include "psml/data/schema.hpp"
#include "psml/ps/roles.hpp"
#include "psml/train/train_config.hpp"
#include "psml/train/trainer.hpp"

namespace psml::train {

struct RunContext {
  const TrainConfig& config;
  const comm::Communicator& world;  // every rank, with the run's deadline
  const comm::Communicator& group;  // the ranks of this rank's role (workers or servers)
  const ps::Roles& roles;
  const data::DatasetInfo& train_info;
  const std::string& resume_path;  // empty: a fresh run
  const TrainCallbacks& callbacks;

  bool rank0() const { return world.rank() == 0; }
  // A note for people, printed by rank 0.
  void note(const std::string& text) const {
    if (rank0() && callbacks.on_note) callbacks.on_note(text);
  }
};

}  // namespace psml::train
