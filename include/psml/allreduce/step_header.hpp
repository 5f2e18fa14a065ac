// The header of a step whose gradient travels on its own (compressed_allreduce.hpp,
// power_sgd_allreduce.hpp): the loss and row sums, whether some rank wants to stop and how many
// ranks hold a non-finite gradient, in one small allreduce (timed apart as the wait: every rank has
// arrived once it is summed); then, with `step_check`, one max-allreduce that compares the ranks'
// global steps, and every rank throws comm::CollectiveError if they differ.
#pragma once

#include <cstdint>
#include <span>

#include "psml/allreduce/gradient_sum.hpp"

namespace psml::allreduce {

// `gradient`: this rank's, checked for NaN and Inf; `what` names the exchange in the out-of-step
// error ("the global steps of <what> differ").
StepTotals exchange_step_header(const comm::Communicator& comm, std::span<const float> gradient,
                                double local_loss, std::int64_t local_rows,
                                std::int64_t global_step, bool stop, bool step_check,
                                const char* what);

}  // namespace psml::allreduce
