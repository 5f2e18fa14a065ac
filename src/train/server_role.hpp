// A parameter-server rank's part of a training run: its side of the set-up phases (the key
// ranges it holds, loaded when resuming), then the server loop until the workers are done. The
// twin of train/worker_role.hpp.
#pragma once

#include <cstdint>

#include "run_context.hpp"

namespace psml::train {

// Returns the payload bytes this server received and sent. Throws Stopped when the run stopped
// on a signal.
std::int64_t run_server(const RunContext& run);

}  // namespace psml::train
