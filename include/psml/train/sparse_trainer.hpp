// Parameter-server training on sparse (CSR) data: each step a worker pulls only the keys its
// minibatch touches, computes, and pushes only their gradients. No worker ever allocates a vector
// of all P keys; each server holds only its own range.
#pragma once

#include "psml/comm/communicator.hpp"
#include "psml/ps/consistency.hpp"
#include "psml/ps/roles.hpp"
#include "psml/train/trainer.hpp"

namespace psml::train {

// The worker side; runs the same agreed set-up phases as the dense worker (trainer.cpp).
TrainResult run_sparse_worker(const TrainConfig& config, const comm::Communicator& world,
                              const comm::Communicator& workers, const ps::Roles& roles,
                              const ps::Consistency& consistency, const TrainCallbacks& callbacks);

}  // namespace psml::train
