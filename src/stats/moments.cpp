#include "psml/stats/moments.hpp"

namespace psml::stats {

Eigen::VectorXd global_mean(const data::Shard& shard, const comm::Communicator& comm) {
  Eigen::VectorXd sums = Eigen::VectorXd::Zero(shard.x.cols());
  for (Eigen::Index i = 0; i < shard.x.rows(); ++i)
    sums += shard.x.row(i).cast<double>().transpose();
  comm.allreduce(std::span<double>(sums.data(), static_cast<std::size_t>(sums.size())));
  return sums / static_cast<double>(shard.info.rows);
}

}  // namespace psml::stats
