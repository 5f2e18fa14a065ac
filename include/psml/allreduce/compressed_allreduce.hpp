// Gradients compressed for slow links by gathering every rank's encoding (--compression topk:R,
// allreduce mode; it takes any codec of compress/gradient_codec.hpp): each rank encodes its
// gradient sum, the ranks gather every rank's encoding (MPI_Allgather: top-k's encodings cannot
// be added up on the way, their indices differ from rank to rank), and every rank decodes and adds
// them in rank order, so that all hold the same sum. fp16 and int8 are summed on the way instead
// (quantized_ring_allreduce.hpp): a gather moves N - 1 encodings per rank, a ring 2 (N - 1) / N.
// Top-k keeps what it did not send as the next step's residual (error feedback). The step's header
// (loss, rows, stop, non-finite, step) travels first in a small allreduce.
#pragma once

#include <cstddef>
#include <vector>

#include "psml/allreduce/buffered_gradient_sum.hpp"
#include "psml/compress/gradient_codec.hpp"

namespace psml::allreduce {

class CompressedAllreduce final : public BufferedGradientSum {
 public:
  // Collective. `spec`: topk:R (or fp16, int8).
  CompressedAllreduce(const comm::Communicator& comm, std::size_t num_params,
                      const compress::CompressionSpec& spec, bool step_check);

  std::string describe() const override;

  // A ring allgather: every rank's encoding but its own passes through each rank once.
  double bytes_per_step(std::size_t, int ranks) const override {
    return static_cast<double>(mine_.size()) * (ranks - 1);
  }

 private:
  void exchange() override;

  compress::CompressionSpec spec_;
  compress::GradientCodec codec_;      // this rank's (top-k: its residual), and the decoder
  std::vector<std::byte> mine_, all_;  // this rank's encoding, every rank's
};

}  // namespace psml::allreduce
