// What synchronous data-parallel training needs from an allreduce: every rank writes the gradient
// SUM over its rows of the step into gradient(); reduce() returns the sums over every rank of the
// loss and the row count, and sum() then holds the sum of the gradients, the same on every rank.
// Two ways to get there:
//   GradientAllreduce   MPI collectives, in buckets overlapped with backprop: any layout of ranks
//   SharedMemoryReduce  ranks on one node sum each other's gradients in memory they all map
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "psml/allreduce/allreduce_kind.hpp"
#include "psml/comm/communicator.hpp"
#include "psml/compress/compression_spec.hpp"
#include "psml/core/matrix_block.hpp"
#include "psml/models/gradient_listener.hpp"

namespace psml::allreduce {

struct StepTotals {
  double loss_sum = 0;
  std::int64_t rows = 0;
  bool stop = false;         // some rank asked to stop after this step
  int non_finite_ranks = 0;  // ranks whose gradient sum held a NaN or Inf
  double wait_seconds = 0;   // of the exchange's time, waiting for the last rank to arrive
};

class GradientSum {
 public:
  virtual ~GradientSum() = default;

  // Where the model writes this rank's gradient sum before reduce().
  virtual std::span<float> gradient() = 0;
  // The sum over every rank, after reduce() (until the next step's gradient is written).
  virtual std::span<const float> sum() const = 0;
  // Who hears from backprop which keys are final (nullptr: the sum starts after backprop).
  virtual models::GradientListener* listener() = 0;

  // Sums gradients, losses and row counts over all ranks. `global_step` names the exchange for
  // the step check; `stop`: this rank wants every rank to stop after this step. Collective;
  // throws comm::CollectiveError on every rank if the ranks are out of step.
  virtual StepTotals reduce(double local_loss, std::int64_t local_rows,
                            std::int64_t global_step = 0, bool stop = false) = 0;

  // "shared memory" or "MPI, 25 MB buckets": for the run's first line.
  virtual std::string describe() const = 0;

  // Payload bytes a rank sends (and receives) per step, for the metrics: what a ring allreduce
  // of `num_params` floats over `ranks` ranks moves, 2 (ranks - 1) / ranks of them, unless the
  // exchange moves something else.
  virtual double bytes_per_step(std::size_t num_params, int ranks) const {
    return 2.0 * (ranks - 1) / ranks * static_cast<double>(num_params * sizeof(float));
  }
};

// How make_gradient_sum sums.
struct GradientSumOptions {
  AllreduceKind kind = AllreduceKind::kAuto;
  bool step_check = true;         // compare each exchange's global step and size across ranks
  std::size_t bucket_floats = 0;  // keys per MPI bucket (0: one, after backprop)
  // Not none: compressed, over MPI: fp16 and int8 by quantized_ring_allreduce.hpp, topk by
  // compressed_allreduce.hpp, powersgd by power_sgd_allreduce.hpp.
  compress::CompressionSpec compression;
  std::vector<MatrixBlock> matrices;  // powersgd: the model's weight matrices
  std::uint64_t seed = 0;             // powersgd: of the first factors, as every rank's
};

// Collective. kAuto falls back to MPI, with a warning from rank 0, when the shared memory cannot
// be had.
std::unique_ptr<GradientSum> make_gradient_sum(const comm::Communicator& comm,
                                               std::size_t num_params,
                                               const GradientSumOptions& options = {});

// Every rank, having seen that the ranks disagree (`why`): one more collective tells each rank
// every rank's global step and gradient size, and all throw comm::CollectiveError with
// out_of_step_message's text (rank 0 reports).
[[noreturn]] void throw_out_of_step(const comm::Communicator& comm, std::int64_t global_step,
                                    std::int64_t num_params, const std::string& why);

// The step check's verdict when ranks disagree: `seen[r]` = (global step, gradient values) of
// rank r. "the ranks are out of step (<why>): ranks 0,2 at step 5 with 404 gradient values; ..."
std::string out_of_step_message(std::span<const std::pair<std::int64_t, std::int64_t>> seen,
                                const std::string& why);

}  // namespace psml::allreduce
