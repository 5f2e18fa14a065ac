#include "psml/stats/ridge.hpp"

#include <Eigen/Dense>
#include <algorithm>

#include "psml/data/row_blocks.hpp"

namespace psml::stats {

std::vector<float> solve_ridge(const data::Shard& shard, double l2,
                               const comm::Communicator& comm) {
  const Eigen::Index d = shard.x.cols() + 1;
  // [XᵀX | Xᵀy] in one buffer, so one allreduce carries both.
  Eigen::MatrixXd stats = Eigen::MatrixXd::Zero(d, d + 1);
  Eigen::MatrixXd xb;
  data::for_each_row_block(shard.x.rows(), [&](Eigen::Index first, Eigen::Index n) {
    xb.resize(n, d + 1);
    xb.leftCols(d - 1) = shard.x.middleRows(first, n).cast<double>();
    xb.col(d - 1).setOnes();
    xb.col(d) = shard.targets.segment(first, n).cast<double>();
    stats.noalias() += xb.leftCols(d).transpose() * xb;
  });
  comm.allreduce(std::span<double>(stats.data(), static_cast<std::size_t>(stats.size())));
  Eigen::MatrixXd a = stats.leftCols(d);
  const double rows = static_cast<double>(shard.info.rows);
  a.diagonal().head(d - 1).array() += rows * l2;
  const Eigen::VectorXd theta = a.completeOrthogonalDecomposition().solve(stats.col(d));
  std::vector<float> out(static_cast<std::size_t>(d));
  for (Eigen::Index i = 0; i < d; ++i)
    out[static_cast<std::size_t>(i)] = static_cast<float>(theta[i]);
  return out;
}

}  // namespace psml::stats
