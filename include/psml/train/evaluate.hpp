// Distributed evaluation: each rank evaluates its shard in blocks, one allreduce adds the sums.
#pragma once

#include <span>

#include "psml/comm/communicator.hpp"
#include "psml/data/shard.hpp"
#include "psml/models/model.hpp"

namespace psml::train {

// Loss and correct-prediction sums over every rank's shard. Collective.
models::EvalSums evaluate_distributed(models::Model& model, std::span<const float> params,
                                      const data::Shard& shard, const comm::Communicator& comm);

}  // namespace psml::train
