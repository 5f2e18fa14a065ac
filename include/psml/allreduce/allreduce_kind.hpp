// Which gradient sum allreduce mode uses (--allreduce): apart from gradient_sum.hpp, so that the
// configuration (train/train_config.hpp) names it without pulling in the communicator and MPI.
#pragma once

namespace psml::allreduce {

// --allreduce: auto picks shared memory when there are several ranks, all on one node.
enum class AllreduceKind { kAuto, kSharedMemory, kMpi };

}  // namespace psml::allreduce
