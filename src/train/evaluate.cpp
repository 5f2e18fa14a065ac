#include "psml/train/evaluate.hpp"

#include <algorithm>

namespace psml::train {

models::EvalSums evaluate_distributed(models::Model& model, std::span<const float> params,
                                      const data::Shard& shard, const comm::Communicator& comm) {
  constexpr Eigen::Index kBlock = 1024;  // bounds the model's workspace
  models::EvalSums local;
  for (Eigen::Index first = 0; first < shard.x.rows(); first += kBlock)
    local += model.evaluate(params, shard.view(first, std::min(kBlock, shard.x.rows() - first)));
  double sums[3] = {local.loss, local.correct, local.rows};
  comm.allreduce(std::span<double>(sums));
  return {sums[0], sums[1], sums[2]};
}

}  // namespace psml::train
