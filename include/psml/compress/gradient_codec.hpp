// One vector's gradient codec (--compression fp16, int8, topk:R or powersgd:R): encodes its n
// floats into bytes, keeping top-k's and PowerSGD's residual from step to step, and decodes them on
// the receiving side. The compressed allreduce and the parameter server's pushes both use it.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "psml/compress/compression_spec.hpp"
#include "psml/compress/power_sgd_codec.hpp"
#include "psml/compress/top_k.hpp"
#include "psml/core/matrix_block.hpp"

namespace psml::compress {

class GradientCodec {
 public:
  // `spec`: fp16, int8, topk:R or powersgd:R (not none); `matrices`: powersgd's weight matrices
  // within the vector (offsets from its start), the same on the sending and the receiving side.
  GradientCodec(const CompressionSpec& spec, std::size_t n,
                std::span<const MatrixBlock> matrices = {});

  std::size_t size() const { return n_; }
  // Bytes of every encoding (the same each step).
  std::size_t encoded_bytes() const { return bytes_; }
  // Encodes `values` (size()) into `out` (encoded_bytes()); top-k: of values + residual.
  void encode(std::span<const float> values, std::span<std::byte> out);
  // sum += the decoded `in`.
  void add_decoded(std::span<const std::byte> in, std::span<float> sum);

 private:
  CompressionSpec spec_;
  std::size_t n_;
  std::size_t bytes_;
  std::unique_ptr<TopK> top_k_;           // topk only
  std::unique_ptr<PowerSgdCodec> power_;  // powersgd only
  std::vector<std::uint32_t> indices_;    // scratch: top-k's
  std::vector<float> values_;             // scratch: decoded values (top-k: the sent ones)
};

}  // namespace psml::compress
