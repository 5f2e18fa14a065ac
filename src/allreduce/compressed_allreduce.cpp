#include "psml/allreduce/compressed_allreduce.hpp"

#include <chrono>
#include <cstring>

#include "psml/comm/agreement.hpp"
#include "psml/compress/quantize.hpp"
#include "psml/core/error.hpp"
#include "psml/core/finite.hpp"
#include "psml/core/trace.hpp"

namespace psml::allreduce {

using Kind = compress::CompressionSpec::Kind;

CompressedAllreduce::CompressedAllreduce(const comm::Communicator& comm, std::size_t num_params,
                                         const compress::CompressionSpec& spec, bool step_check)
    : comm_(comm), spec_(spec), step_check_(step_check), grad_(num_params), sum_(num_params) {
  std::size_t bytes = 0;
  switch (spec.kind) {
    case Kind::kFp16:
      bytes = compress::fp16_bytes(num_params);
      break;
    case Kind::kInt8:
      bytes = compress::int8_bytes(num_params);
      break;
    case Kind::kTopK:
      top_k_ = std::make_unique<compress::TopK>(num_params, spec.ratio);
      bytes = top_k_->k() * (sizeof(std::uint32_t) + sizeof(float));
      indices_.resize(top_k_->k());
      decoded_.resize(top_k_->k());
      break;
    default:
      throw error("--compression ", spec.describe(), " is not a compressed allreduce");
  }
  if (spec.kind != Kind::kTopK) decoded_.resize(num_params);
  mine_.resize(bytes);
  all_.resize(bytes * static_cast<std::size_t>(comm.size()));
}

void CompressedAllreduce::encode() {
  switch (spec_.kind) {
    case Kind::kFp16:
      compress::encode_fp16(grad_, mine_);
      return;
    case Kind::kInt8:
      compress::encode_int8(grad_, mine_);
      return;
    default: {
      const std::size_t k = top_k_->k();
      top_k_->encode(grad_, indices_, decoded_);
      std::memcpy(mine_.data(), indices_.data(), k * sizeof(std::uint32_t));
      std::memcpy(mine_.data() + k * sizeof(std::uint32_t), decoded_.data(), k * sizeof(float));
    }
  }
}

void CompressedAllreduce::add_decoded(std::span<const std::byte> encoding) {
  if (spec_.kind == Kind::kTopK) {
    const std::size_t k = top_k_->k();
    std::memcpy(indices_.data(), encoding.data(), k * sizeof(std::uint32_t));
    std::memcpy(decoded_.data(), encoding.data() + k * sizeof(std::uint32_t), k * sizeof(float));
    compress::add_sparse(indices_, decoded_, sum_);
    return;
  }
  if (spec_.kind == Kind::kFp16)
    compress::decode_fp16(encoding, decoded_);
  else
    compress::decode_int8(encoding, decoded_);
  for (std::size_t i = 0; i < sum_.size(); ++i) sum_[i] += decoded_[i];
}

StepTotals CompressedAllreduce::reduce(double local_loss, std::int64_t local_rows,
                                       std::int64_t global_step, bool stop) {
  StepTotals totals;
  // The header: every rank has arrived once it is summed (timed apart as the wait).
  const bool finite = all_finite(grad_);
  double header[4] = {local_loss, static_cast<double>(local_rows), stop ? 1.0 : 0.0,
                      finite ? 0.0 : 1.0};
  const auto arrival = std::chrono::steady_clock::now();
  {
    trace::Scope span("wait");
    comm_.allreduce(std::span<double>(header));
  }
  totals.wait_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - arrival).count();
  totals.loss_sum = header[0];
  totals.rows = static_cast<std::int64_t>(header[1]);
  totals.stop = header[2] > 0;
  totals.non_finite_ranks = static_cast<int>(header[3]);
  if (step_check_ && comm_.allreduce(global_step, comm::ReduceOp::kMin) !=
                         comm_.allreduce(global_step, comm::ReduceOp::kMax))
    throw comm::CollectiveError(
        detail::concat("the ranks are out of step (the global steps of their compressed "
                       "gradient exchange differ; this rank is at step ",
                       global_step, ") (--no-step-check turns this check off)"),
        comm_.rank() == 0);
  // A gradient with a NaN or Inf is refused before anything is sent (the caller stops).
  if (totals.non_finite_ranks > 0) return totals;
  trace::Scope span("allreduce");
  encode();
  comm_.allgather(std::span<const std::byte>(mine_), std::span<std::byte>(all_),
                  "the compressed gradient allgather");
  std::fill(sum_.begin(), sum_.end(), 0.0f);
  for (int r = 0; r < comm_.size(); ++r)
    add_decoded(std::span<const std::byte>(all_).subspan(static_cast<std::size_t>(r) * mine_.size(),
                                                          mine_.size()));
  return totals;
}

std::string CompressedAllreduce::describe() const {
  return detail::concat("MPI allgather of ", spec_.describe(), " gradients (",
                        static_cast<double>(mine_.size()) / 1e6, " MB per rank and step)");
}

}  // namespace psml::allreduce
