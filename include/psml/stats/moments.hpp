// Column moments of the rows every rank holds, reduced with one allreduce.
#pragma once

#include <Eigen/Core>

#include "psml/comm/communicator.hpp"
#include "psml/data/shard.hpp"

namespace psml::stats {

// The mean of every feature over all ranks' rows, summed in double. Collective.
Eigen::VectorXd global_mean(const data::Shard& shard, const comm::Communicator& comm);

}  // namespace psml::stats
