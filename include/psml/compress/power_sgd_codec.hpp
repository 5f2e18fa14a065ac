// PowerSGD as a codec of one worker's vector (--compression powersgd:R, parameter-server mode):
// each weight matrix in the vector (MatrixBlock, offsets from its start) whose rank-R factors are
// smaller than itself is sent as this worker's own factors, one power iteration warm-started from
// its last Q: P = M Q, orthonormalised, then Q = Mᵀ P, and the receiver adds P Qᵀ; what that
// misses stays in this worker's residual (error feedback). The other values travel as floats.
//
// In allreduce mode the factors are summed over the workers before Q is formed
// (allreduce/power_sgd_allreduce.hpp); a server receives each worker's push on its own, under any
// consistency, so here each worker approximates its own gradient.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "psml/compress/power_sgd.hpp"
#include "psml/core/matrix_block.hpp"

namespace psml::compress {

// How a vector of n values holding these weight matrices travels under powersgd:R: the matrices
// whose rank-R factors are fewer values than themselves, by offset, and the ranges of all the
// other values, in order. Throws naming a matrix that does not fit in n or overlaps another.
struct FactorPlan {
  struct Range {
    std::size_t offset, count;
  };
  std::vector<MatrixBlock> factored;
  std::vector<Range> raw;
  std::size_t raw_values() const;
};
FactorPlan plan_factors(std::size_t n, std::span<const MatrixBlock> matrices, int rank);

class PowerSgdCodec {
 public:
  // `matrices`: within [0, n), not overlapping (throws naming one that is not).
  PowerSgdCodec(std::size_t n, std::span<const MatrixBlock> matrices, int rank);

  std::size_t encoded_bytes() const { return floats_ * sizeof(float); }
  // Encodes `values` (n) + the residual into `out` (encoded_bytes()).
  void encode(std::span<const float> values, std::span<std::byte> out);
  // sum += the decoded `in`.
  void add_decoded(std::span<const std::byte> in, std::span<float> sum);
  // How many matrices travel as factors.
  std::size_t factored() const { return factored_.size(); }

 private:
  struct Factored {
    MatrixBlock block;
    PowerSgd power;
  };

  std::size_t n_;
  std::vector<Factored> factored_;
  std::vector<FactorPlan::Range> raw_;    // values sent as they are, after every P and Q
  std::size_t floats_ = 0;                // of an encoding
  std::vector<float> encoding_, approx_;  // scratch: an encoding as floats, a P Qᵀ
};

}  // namespace psml::compress
