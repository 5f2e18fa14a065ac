#include "psml/train/evaluate.hpp"

#include "psml/data/row_blocks.hpp"

namespace psml::train {

models::EvalSums evaluate_distributed(models::Model& model, std::span<const float> params,
                                      const data::Shard& shard, const comm::Communicator& comm) {
  constexpr Eigen::Index kBlock = 1024;  // bounds the model's workspace
  models::EvalSums local;
  data::for_each_row_block(
      shard.x.rows(),
      [&](Eigen::Index first, Eigen::Index n) {
        local += model.evaluate(params, shard.view(first, n));
      },
      kBlock);
  double sums[3] = {local.loss, local.correct, local.rows};
  comm.allreduce(std::span<double>(sums));
  return {sums[0], sums[1], sums[2]};
}

}  // namespace psml::train
