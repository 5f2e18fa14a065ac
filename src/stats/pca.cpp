#include "psml/stats/pca.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>

#include "psml/core/error.hpp"
#include "psml/data/row_blocks.hpp"
#include "psml/stats/moments.hpp"

namespace psml::stats {
namespace {}  // namespace

PcaModel fit_pca(const data::Shard& shard, int components, const comm::Communicator& comm) {
  const auto d = shard.x.cols();
  if (components < 1 || components > d)
    throw error("--components ", components, ": must be in [1, ", d, "], the features of ",
                shard.info.path);
  if (shard.info.rows < 2) throw error(shard.info.path, ": PCA needs at least 2 rows");
  PcaModel model;
  model.rows = shard.info.rows;
  const auto rows = static_cast<double>(shard.info.rows);

  model.mean = global_mean(shard, comm);

  // Lower triangle of Σ (x − mean)(x − mean)ᵀ over this rank's rows.
  Eigen::MatrixXd scatter = Eigen::MatrixXd::Zero(d, d);
  Eigen::MatrixXd centred;
  data::for_each_row_block(shard.x.rows(), [&](Eigen::Index first, Eigen::Index n) {
    centred = shard.x.middleRows(first, n).cast<double>().rowwise() - model.mean.transpose();
    scatter.selfadjointView<Eigen::Lower>().rankUpdate(centred.transpose());
  });
  comm.allreduce(std::span<double>(scatter.data(), static_cast<std::size_t>(scatter.size())));

  model.components.resize(components, d);
  model.explained_variance.resize(components);
  model.explained_variance_ratio.resize(components);
  // Rank 0 solves and broadcasts, so every rank holds bit-identical components. Whether it
  // succeeded goes first: a failure known to rank 0 alone must not leave the others waiting in
  // the broadcast of the results.
  std::int64_t converged = 1;
  if (comm.rank() == 0) {
    const Eigen::MatrixXd covariance = scatter.selfadjointView<Eigen::Lower>();
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(covariance / (rows - 1));
    converged = solver.info() == Eigen::Success ? 1 : 0;
    const auto& values = solver.eigenvalues();  // ascending
    const double total = values.cwiseMax(0.0).sum();
    for (int c = 0; c < components && converged; ++c) {
      const auto from = d - 1 - c;
      Eigen::VectorXd v = solver.eigenvectors().col(from);
      Eigen::Index largest = 0;
      v.cwiseAbs().maxCoeff(&largest);
      if (v[largest] < 0) v = -v;
      model.components.row(c) = v.transpose();
      model.explained_variance[c] = std::max(0.0, values[from]);
      model.explained_variance_ratio[c] = total > 0 ? model.explained_variance[c] / total : 0.0;
    }
  }
  comm.broadcast(std::span<std::int64_t>(&converged, 1), 0);
  if (!converged)
    throw error(shard.info.path, ": the eigendecomposition of the covariance did not converge");
  comm.broadcast(
      std::span<double>(model.components.data(), static_cast<std::size_t>(model.components.size())),
      0);
  comm.broadcast(
      std::span<double>(model.explained_variance.data(), static_cast<std::size_t>(components)), 0);
  comm.broadcast(std::span<double>(model.explained_variance_ratio.data(),
                                   static_cast<std::size_t>(components)),
                 0);
  return model;
}

data::RowMatrix pca_transform(const PcaModel& model, const data::RowMatrix& x) {
  const Eigen::MatrixXd centred = x.cast<double>().rowwise() - model.mean.transpose();
  return (centred * model.components.transpose()).cast<float>();
}

}  // namespace psml::stats
