#include "psml/allreduce/gradient_sum.hpp"

#include <cstdio>
#include <map>
#include <vector>

#include "psml/allreduce/compressed_allreduce.hpp"
#include "psml/allreduce/gradient_allreduce.hpp"
#include "psml/allreduce/power_sgd_allreduce.hpp"
#include "psml/allreduce/quantized_ring_allreduce.hpp"
#include "psml/allreduce/shared_memory_reduce.hpp"
#include "psml/comm/agreement.hpp"
#include "psml/core/error.hpp"

namespace psml::allreduce {

std::unique_ptr<GradientSum> make_gradient_sum(const comm::Communicator& comm,
                                               std::size_t num_params,
                                               const GradientSumOptions& options) {
  const AllreduceKind kind = options.kind;
  const bool step_check = options.step_check;
  const auto& compression = options.compression;
  // Before any kind is chosen: a shared-memory failure falls back to MPI, a mismatch must not.
  const auto size = static_cast<std::int64_t>(num_params);
  if (comm.allreduce(size, comm::ReduceOp::kMin) != comm.allreduce(size, comm::ReduceOp::kMax))
    throw comm::CollectiveError(detail::concat("the ranks' models differ in size (", size,
                                               " gradient values on rank ", comm.rank(), ")"),
                                comm.rank() == 0);
  if (compression.kind == compress::CompressionSpec::Kind::kPowerSgd)
    return std::make_unique<PowerSgdAllreduce>(comm, num_params, options.matrices, compression.rank,
                                               options.seed, step_check);
  if (compression.kind == compress::CompressionSpec::Kind::kFp16 ||
      compression.kind == compress::CompressionSpec::Kind::kInt8)
    return std::make_unique<QuantizedRingAllreduce>(comm, num_params, compression, step_check);
  if (compression.kind != compress::CompressionSpec::Kind::kNone)
    return std::make_unique<CompressedAllreduce>(comm, num_params, compression, step_check);
  if (kind == AllreduceKind::kSharedMemory) {
    if (!comm.single_node())
      throw comm::CollectiveError(
          "--allreduce shm: the ranks run on more than one node (shared memory is for ranks on "
          "one node; --allreduce mpi or auto works on any)",
          comm.rank() == 0);
    return std::make_unique<SharedMemoryReduce>(comm, num_params, step_check);
  }
  if (kind == AllreduceKind::kAuto && comm.size() > 1 && comm.single_node()) {
    try {
      return std::make_unique<SharedMemoryReduce>(comm, num_params, step_check);
    } catch (const comm::CollectiveError& e) {
      // MPI works anywhere: go on with it.
      if (comm.rank() == 0)
        std::fprintf(stderr, "psml: warning: %s; the gradient allreduce runs over MPI\n", e.what());
    }
  }
  return std::make_unique<GradientAllreduce>(comm, num_params, options.bucket_floats, step_check);
}

void throw_out_of_step(const comm::Communicator& comm, std::int64_t global_step,
                       std::int64_t num_params, const std::string& why) {
  const auto size = static_cast<std::size_t>(comm.size());
  std::vector<std::int64_t> seen(2 * size, 0);
  seen[2 * static_cast<std::size_t>(comm.rank())] = global_step;
  seen[2 * static_cast<std::size_t>(comm.rank()) + 1] = num_params;
  comm.allreduce(std::span<std::int64_t>(seen));
  std::vector<std::pair<std::int64_t, std::int64_t>> pairs;
  for (std::size_t r = 0; r < size; ++r) pairs.emplace_back(seen[2 * r], seen[2 * r + 1]);
  throw comm::CollectiveError(out_of_step_message(pairs, why), comm.rank() == 0);
}

std::string out_of_step_message(std::span<const std::pair<std::int64_t, std::int64_t>> seen,
                                const std::string& why) {
  std::map<std::pair<std::int64_t, std::int64_t>, std::string> groups;
  for (std::size_t r = 0; r < seen.size(); ++r) {
    auto& ranks = groups[seen[r]];
    if (!ranks.empty()) ranks += ',';
    ranks += std::to_string(r);
  }
  std::string text;
  for (const auto& [what, ranks] : groups)
    text += detail::concat(text.empty() ? "" : "; ",
                           ranks.find(',') == std::string::npos ? "rank " : "ranks ", ranks,
                           " at step ", what.first, " with ", what.second, " gradient values");
  return "the ranks are out of step (" + why + "): " + text +
         " (--no-step-check turns this check off)";
}

}  // namespace psml::allreduce
