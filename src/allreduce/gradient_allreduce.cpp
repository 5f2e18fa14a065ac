#include "psml/allreduce/gradient_allreduce.hpp"

#include <chrono>
#include <cmath>

#include "psml/comm/agreement.hpp"
#include "psml/core/error.hpp"
#include "psml/core/finite.hpp"
#include "psml/core/rng.hpp"
#include "psml/core/stopwatch.hpp"
#include "psml/core/trace.hpp"

namespace psml::allreduce {
namespace {

constexpr std::uint64_t kGradientExchange = 1;  // the kind of exchange, in the fingerprint

std::uint32_t step_fingerprint(std::int64_t global_step, std::size_t values) {
  std::uint64_t h = mix64(kGradientExchange);
  h = mix64(h ^ static_cast<std::uint64_t>(global_step));
  h = mix64(h ^ static_cast<std::uint64_t>(values));
  return static_cast<std::uint32_t>(h ^ (h >> 32));
}

}  // namespace

GradientAllreduce::GradientAllreduce(const comm::Communicator& comm, std::size_t num_params,
                                     std::size_t bucket_floats, bool step_check)
    : comm_(comm),
      num_params_(num_params),
      step_check_(step_check),
      buffer_(kHeader + num_params, 0.0f),
      ready_from_(num_params) {
  // Buckets from the end: [P - size, P), [P - 2 size, P - size), ..., the last one from 0.
  const std::size_t size = bucket_floats == 0 ? num_params : bucket_floats;
  for (std::size_t end = num_params; end > size; end -= size) bucket_first_.push_back(end - size);
  bucket_first_.push_back(0);
}

void GradientAllreduce::start(std::size_t bucket) {
  const std::size_t first = bucket_first_[bucket];
  const std::size_t end = bucket == 0 ? num_params_ : bucket_first_[bucket - 1];
  const auto values = gradient().subspan(first, end - first);
  non_finite_ = non_finite_ || !all_finite(values);
  comm_.start_allreduce(values, requests_);
}

void GradientAllreduce::ready(std::size_t first, std::size_t count) {
  // Ranges arrive from the end, each right below the last; anything else waits for reduce().
  if (first + count != ready_from_) return;
  ready_from_ = first;
  // Every bucket but the last (it carries the header) starts as soon as its keys are final.
  while (started_ + 1 < bucket_first_.size() && bucket_first_[started_] >= ready_from_)
    start(started_++);
}

void GradientAllreduce::progress() {
  if (!requests_.empty()) requests_.test();
}

StepTotals GradientAllreduce::reduce(double local_loss, std::int64_t local_rows,
                                     std::int64_t global_step, bool stop) {
  while (started_ + 1 < bucket_first_.size()) start(started_++);
  // The last bucket: the header, then keys [0, first of the bucket before it).
  const std::size_t end = bucket_first_.size() == 1 ? num_params_ : bucket_first_[started_ - 1];
  non_finite_ = non_finite_ || !all_finite(gradient().subspan(0, end));
  const std::uint32_t fp = step_check_ ? step_fingerprint(global_step, num_params_) : 0;
  for (std::size_t b = 0; b < kBits; ++b) buffer_[b] = static_cast<float>((fp >> b) & 1u);
  buffer_[kStop] = stop ? 1.0f : 0.0f;
  // Row counts stay exact in float32 up to 2^24 rows per global batch.
  buffer_[kLoss] = static_cast<float>(local_loss);
  buffer_[kRows] = static_cast<float>(local_rows);
  buffer_[kNonFinite] = non_finite_ ? 1.0f : 0.0f;
  // Every rank has arrived (timed apart: it is the others' compute, not communication; under a
  // deadline the roll call names a rank that never comes), then the last bucket by the fast
  // blocking path (comm/communicator.hpp), then the others' ends.
  const auto arrival = Clock::now();
  {
    trace::Scope span("wait");
    comm_.barrier("MPI_Allreduce");
  }
  const std::chrono::duration<double> waited = Clock::now() - arrival;
  {
    trace::Scope span("allreduce");
    comm_.allreduce(std::span<float>(buffer_.data(), kHeader + end), comm::ReduceOp::kSum,
                    comm::Arrival::kChecked);
    if (!requests_.empty()) comm_.wait(requests_, "MPI_Iallreduce");
  }
  started_ = 0;
  ready_from_ = num_params_;
  non_finite_ = false;
  const auto n = static_cast<float>(comm_.size());
  for (std::size_t b = 0; b < kBits; ++b)
    if (buffer_[b] != 0.0f && buffer_[b] != n)
      throw_out_of_step(comm_, global_step, static_cast<std::int64_t>(num_params_),
                        "the fingerprints of their gradient allreduce differ");
  return {buffer_[kLoss], std::llround(buffer_[kRows]), buffer_[kStop] > 0.0f,
          static_cast<int>(std::lround(buffer_[kNonFinite])), waited.count()};
}

std::string GradientAllreduce::describe() const {
  if (bucket_first_.size() == 1) return "MPI, one allreduce after backprop";
  const double mb = static_cast<double>((num_params_ - bucket_first_[0]) * sizeof(float)) / 1e6;
  return detail::concat("MPI, ", bucket_first_.size(), " buckets of ", mb, " MB");
}

}  // namespace psml::allreduce
