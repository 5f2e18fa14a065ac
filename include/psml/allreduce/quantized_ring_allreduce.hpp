// Quantised gradients summed on the way (--compression fp16 or int8, allreduce mode): a ring
// allreduce whose messages are quantised (compress/quantize.hpp). The gradient is cut into one
// chunk per rank. Reduce-scatter: in N - 1 steps each rank passes a chunk's partial sum, encoded,
// to the next rank, which decodes it and adds its own values in float; then each rank holds one
// chunk's full sum, encodes it once, and the allgather passes those encodings round the ring as
// they are. Every rank decodes the same bytes, so all hold the same sum.
//
// A rank sends 2 (N - 1) / N of the encoded gradient per step, as a float ring sends of the
// floats: fp16 moves half the bytes, int8 about a quarter. Each hop of the reduce-scatter rounds
// the partial sum again: fp16 adds at most 2^-11 relative per hop, int8 half a block's scale.
#pragma once

#include <cstddef>
#include <vector>

#include "psml/allreduce/buffered_gradient_sum.hpp"
#include "psml/compress/compression_spec.hpp"

namespace psml::allreduce {

class QuantizedRingAllreduce final : public BufferedGradientSum {
 public:
  // Collective. `spec`: fp16 or int8 (throws naming any other codec).
  QuantizedRingAllreduce(const comm::Communicator& comm, std::size_t num_params,
                         const compress::CompressionSpec& spec, bool step_check);

  std::string describe() const override;

  // Every chunk but one leaves each rank twice, encoded (the average chunk's size).
  double bytes_per_step(std::size_t, int ranks) const override {
    return 2.0 * (ranks - 1) / ranks * static_cast<double>(encoded_.size());
  }

 private:
  void exchange() override;
  std::size_t chunk_begin(int chunk) const;
  std::size_t chunk_size(int chunk) const { return chunk_begin(chunk + 1) - chunk_begin(chunk); }
  std::span<std::byte> encoded_chunk(int chunk);

  compress::CompressionSpec spec_;
  std::vector<std::size_t> encoded_at_;  // where each chunk's encoding starts in encoded_
  std::vector<std::byte> encoded_;       // every chunk's encoded sum (the allgather's)
  std::vector<std::byte> outgoing_;      // a partial sum on its way
  std::vector<float> incoming_;          // a received partial sum, decoded
};

}  // namespace psml::allreduce
