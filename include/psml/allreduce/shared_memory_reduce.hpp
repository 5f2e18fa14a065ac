// The gradient sum of ranks on one node, through memory they all map (comm/shared_segment.hpp),
// with no copy and no message: the model writes its gradient straight into this rank's slot,
// each rank adds up its own 1/N slice of every rank's slot into one shared sum, and the
// optimizer of every rank reads that sum. A step moves each gradient value across the memory
// bus about twice (read by its slice's owner, then the sum read by every rank), where MPI over
// shared memory copies every value through the transport's buffers in both directions.
//
// Each rank's slot starts with a header: two counters (exchanges published, exchanges summed),
// then the step's loss, rows, global step, size, stop flag and which ranks' gradients the rank
// found not finite in its slice. An exchange:
//   1. write the header's figures, then publish: published = n (release);
//   2. wait until every rank has published n (polling under --deadline, comm/communicator.hpp);
//   3. step check (every header must name the same global step and size), totals of the loss,
//      rows and stop flags, in rank order (the same on every rank);
//   4. sum this rank's slice over the ranks in rank order, block by block while the block is
//      in cache, and check each block of the sum for NaN / Inf (if any, find whose it was);
//   5. summed = n (release); wait until every rank has summed n; OR the non-finite masks.
// One slot and one sum buffer suffice: a rank overwrites its slot (the next backprop) only after
// every rank has summed, and writes the next sum only after every rank has published again,
// which each does after its optimizer has finished reading this sum.
// Sums are bit-for-bit the same on every rank, and for two ranks the same as MPI_Allreduce's.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "psml/allreduce/gradient_sum.hpp"
#include "psml/comm/shared_segment.hpp"

namespace psml::allreduce {

class SharedMemoryReduce final : public GradientSum {
 public:
  // Collective; every rank of `comm` must run on one node (Communicator::single_node()) with the
  // same num_params (make_gradient_sum checks).
  SharedMemoryReduce(const comm::Communicator& comm, std::size_t num_params,
                     bool step_check = true);
  ~SharedMemoryReduce() override;

  std::span<float> gradient() override { return {slot_gradient(rank_), num_params_}; }
  std::span<const float> sum() const override { return {sum_, num_params_}; }
  models::GradientListener* listener() override { return nullptr; }
  StepTotals reduce(double local_loss, std::int64_t local_rows, std::int64_t global_step = 0,
                    bool stop = false) override;
  std::string describe() const override { return "shared memory"; }

 private:
  struct Header;
  Header& header(int rank) const;
  std::uint64_t* mask(int rank) const;
  float* slot_gradient(int rank) const;
  // Until every rank's counter (published, or summed) has reached this exchange.
  void wait_all(bool summed) const;
  void sum_slice(std::uint64_t* non_finite) const;
  [[noreturn]] void report_mismatch() const;

  const comm::Communicator& comm_;
  int rank_, ranks_;
  std::size_t num_params_;
  bool step_check_;
  std::size_t mask_words_, header_bytes_, slot_bytes_;
  std::size_t slice_begin_, slice_end_;  // this rank's keys of the sum
  std::unique_ptr<comm::SharedSegment> segment_;
  float* sum_ = nullptr;
  std::vector<const float*> gradients_;  // every rank's slot, in rank order
  std::int64_t exchanges_ = 0;
};

}  // namespace psml::allreduce
