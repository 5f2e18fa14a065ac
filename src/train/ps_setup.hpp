// The parts of the parameter-server set-up that workers and servers do together (each a
// collective over the world, in the set-up phases of psml/train/setup_phases.hpp).
#pragma once

#include <memory>
#include <vector>

#include "psml/core/matrix_block.hpp"
#include "psml/ps/shared_payloads.hpp"
#include "run_context.hpp"

namespace psml::train {

// The shared-memory payloads of --ps-transport (null: over MPI). The servers, which have no model,
// give `num_keys` 0.
std::unique_ptr<ps::SharedPayloads> shared_payloads(const RunContext& run, std::int64_t num_keys);

// With --compression powersgd: the model's weight matrices, which the servers (with no model)
// need to decode the pushes, from world rank 0 (a worker) to every rank (nothing for other
// codecs); `local`: this rank's learner's (servers: none).
std::vector<MatrixBlock> agreed_matrices(const RunContext& run, std::vector<MatrixBlock> local);

}  // namespace psml::train
