// PowerSGD over an allreduce (--compression powersgd:R, allreduce mode; Vogels et al. 2019): each
// weight matrix of the model (MatrixBlock) whose rank-R factors are smaller than itself
// travels as those factors, P then Q, each summed over the ranks by an allreduce
// (compress/power_sgd.hpp), with this rank's residual kept for the next step (error feedback);
// every other value (biases, matrices too small to gain) travels as it is, in P's allreduce. So a
// step is the header, then two allreduces, whatever the number of layers:
//
//   allreduce( P of every matrix | the other values )   allreduce( Q of every matrix )
//
// and every rank ends with the same sum: P Qᵀ for each compressed matrix, the exact sum elsewhere.
#pragma once

#include <cstddef>
#include <span>
#include <utility>
#include <vector>

#include "psml/allreduce/buffered_gradient_sum.hpp"
#include "psml/compress/power_sgd.hpp"
#include "psml/compress/power_sgd_codec.hpp"
#include "psml/core/matrix_block.hpp"

namespace psml::allreduce {

class PowerSgdAllreduce final : public BufferedGradientSum {
 public:
  // `matrices`: the model's weight matrices within [0, num_params), not overlapping; `rank`: R;
  // `seed`: of the first Q of every matrix, the same on every rank. Throws naming a matrix that
  // lies outside the parameters or overlaps another.
  PowerSgdAllreduce(const comm::Communicator& comm, std::size_t num_params,
                    std::span<const MatrixBlock> matrices, int rank, std::uint64_t seed,
                    bool step_check);

  std::string describe() const override;

  // Two ring allreduces, of the factors and the uncompressed values.
  double bytes_per_step(std::size_t, int ranks) const override {
    return 2.0 * (ranks - 1) / ranks *
           static_cast<double>((first_.size() + second_.size()) * sizeof(float));
  }
  // How many of the matrices travel as factors.
  std::size_t compressed_matrices() const { return compressed_.size(); }

 private:
  void exchange() override;

  struct Compressed {
    MatrixBlock block;
    compress::PowerSgd power;
    std::size_t p_at, q_at;  // its P in first_, its Q in second_
  };
  int rank_;
  std::size_t matrices_;
  std::vector<Compressed> compressed_;
  std::vector<compress::FactorPlan::Range> raw_;  // values sent as they are, after every P
  std::size_t raw_at_ = 0;                        // where they start in first_
  std::vector<float> first_;                      // every P, then the raw values
  std::vector<float> second_;                     // every Q
};

}  // namespace psml::allreduce
