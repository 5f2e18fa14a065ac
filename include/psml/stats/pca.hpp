// Principal component analysis, distributed by reducing sufficient statistics: one allreduce of
// the column sums gives the global mean; each rank then adds (x − mean)ᵀ(x − mean) of its rows
// in double (centred with the global mean, so no cancellation), one allreduce adds the
// covariances, and rank 0 takes the symmetric eigendecomposition and broadcasts it. Components
// are the eigenvectors of the largest eigenvalues, each signed so that its largest-magnitude
// entry is positive.
#pragma once

#include <Eigen/Core>
#include <cstdint>

#include "psml/comm/communicator.hpp"
#include "psml/data/shard.hpp"

namespace psml::stats {

struct PcaModel {
  Eigen::VectorXd mean;                      // features
  Eigen::MatrixXd components;                // components x features, orthonormal rows
  Eigen::VectorXd explained_variance;        // their eigenvalues of the covariance (÷ rows − 1)
  Eigen::VectorXd explained_variance_ratio;  // of the total variance
  std::int64_t rows = 0;                     // rows fitted on
};

// Collective over comm.
PcaModel fit_pca(const data::Shard& shard, int components, const comm::Communicator& comm);

// Scores of rows x: (x − mean) componentsᵀ, rows x components.
data::RowMatrix pca_transform(const PcaModel& model, const data::RowMatrix& x);

}  // namespace psml::stats
