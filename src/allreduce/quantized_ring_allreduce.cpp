#include "psml/allreduce/quantized_ring_allreduce.hpp"

#include <algorithm>

#include "psml/compress/quantize.hpp"
#include "psml/core/error.hpp"

namespace psml::allreduce {

QuantizedRingAllreduce::QuantizedRingAllreduce(const comm::Communicator& comm,
                                               std::size_t num_params,
                                               const compress::CompressionSpec& spec,
                                               bool step_check)
    : BufferedGradientSum(comm, num_params, step_check, "their quantised gradient ring"),
      spec_(spec) {
  std::size_t at = 0, largest = 0;
  for (int c = 0; c < comm.size(); ++c) {
    encoded_at_.push_back(at);
    at += compress::quantized_bytes(spec.kind, chunk_size(c));
    largest = std::max(largest, chunk_size(c));
  }
  encoded_at_.push_back(at);
  encoded_.resize(at);
  outgoing_.resize(compress::quantized_bytes(spec.kind, largest));
  incoming_.resize(largest);
}

std::size_t QuantizedRingAllreduce::chunk_begin(int chunk) const {
  return grad_.size() * static_cast<std::size_t>(chunk) / static_cast<std::size_t>(comm_.size());
}

std::span<std::byte> QuantizedRingAllreduce::encoded_chunk(int chunk) {
  const auto c = static_cast<std::size_t>(chunk);
  return std::span<std::byte>(encoded_).subspan(encoded_at_[c],
                                                encoded_at_[c + 1] - encoded_at_[c]);
}

void QuantizedRingAllreduce::exchange() {
  const int n = comm_.size(), me = comm_.rank();
  const int next = (me + 1) % n, previous = (me + n - 1) % n;
  const auto chunk_of = [n](int c) { return ((c % n) + n) % n; };
  // grad_ accumulates the partial sums in place (the caller writes a new gradient each step).
  const std::span<float> partial(grad_);
  for (int s = 0; s + 1 < n; ++s) {
    const int out = chunk_of(me - s), in = chunk_of(me - s - 1);
    const auto out_bytes = encoded_chunk(out).size(), in_bytes = encoded_chunk(in).size();
    const auto out_values = partial.subspan(chunk_begin(out), chunk_size(out));
    const auto in_values = partial.subspan(chunk_begin(in), chunk_size(in));
    compress::encode_quantized(spec_.kind, out_values,
                               std::span<std::byte>(outgoing_).first(out_bytes));
    // Received into the chunk's place in encoded_: that one is not needed until the allgather.
    comm_.sendrecv(std::span<const std::byte>(outgoing_).first(out_bytes), next,
                   encoded_chunk(in).first(in_bytes), previous, "the quantised reduce-scatter");
    const auto decoded = std::span<float>(incoming_).first(in_values.size());
    compress::decode_quantized(spec_.kind, encoded_chunk(in), decoded);
    for (std::size_t i = 0; i < decoded.size(); ++i) in_values[i] += decoded[i];
  }
  // This rank's chunk is summed: encoded once; then every encoding goes round as it is.
  const int mine = chunk_of(me + 1);
  compress::encode_quantized(spec_.kind, partial.subspan(chunk_begin(mine), chunk_size(mine)),
                             encoded_chunk(mine));
  for (int s = 0; s + 1 < n; ++s) {
    const int out = chunk_of(me + 1 - s), in = chunk_of(me - s);
    comm_.sendrecv(encoded_chunk(out), next, encoded_chunk(in), previous,
                   "the quantised allgather");
  }
  const std::span<float> sum(sum_);
  for (int c = 0; c < n; ++c)
    compress::decode_quantized(spec_.kind, encoded_chunk(c),
                               sum.subspan(chunk_begin(c), chunk_size(c)));
}

std::string QuantizedRingAllreduce::describe() const {
  return detail::concat("MPI, a ring of ", spec_.describe(), " gradients (",
                        static_cast<double>(encoded_.size()) / 1e6, " MB encoded per step)");
}

}  // namespace psml::allreduce
