// How parameter-server payloads travel (--ps-transport): apart from shared_payloads.hpp, so that
// the configuration (train/train_config.hpp) names it without pulling in the communicator and MPI.
#pragma once

namespace psml::ps {

// How payloads travel between workers and servers (--ps-transport).
enum class PayloadPath { kAuto, kSharedMemory, kMpi };

}  // namespace psml::ps
