// k-means, distributed by reducing sufficient statistics (Lloyd's algorithm). Every rank assigns
// its own rows to the nearest centroid and sums them per cluster; one allreduce adds the sums,
// counts, inertia and the number of rows that changed cluster; every rank then takes the same
// next step. Initialisation is greedy k-means++ (each new centroid the best of 2 + ln k
// candidates drawn with probability proportional to D², as scikit-learn does) or k random rows;
// both are the same on any number of ranks, because draws are made from one shared random
// stream over the global row order. A cluster left empty takes the row farthest from its
// centroid. Distances are ‖x‖² − 2 x·c + ‖c‖²: the cross term is one float matrix product per
// block of rows, the rest is double.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "psml/comm/communicator.hpp"
#include "psml/data/shard.hpp"

namespace psml::stats {

struct KMeansOptions {
  int k = 8;
  int max_iterations = 300;
  // Stop when the centroids' total squared movement is at most tol x the mean feature variance
  // (scikit-learn's tolerance), or when no row changed cluster.
  double tol = 1e-4;
  std::string init = "k-means++";  // or "random"
  std::uint64_t seed = 0;
};

struct KMeansModel {
  Eigen::MatrixXd centroids;  // k x features
};

struct KMeansIteration {
  int iteration = 0;
  double inertia = 0;        // sum of squared distances to the centroids the iteration began with
  double shift = 0;          // total squared movement of the centroids
  std::int64_t changed = 0;  // rows that changed cluster
  int relocated = 0;         // empty clusters moved to far rows
  double seconds = 0;
};

struct KMeansResult {
  KMeansModel model;
  double inertia = 0;  // of the final centroids
  int iterations = 0;
  bool converged = false;
  std::string stopped_because;
  double init_seconds = 0;
  std::vector<KMeansIteration> history;
  std::vector<std::int32_t> labels;  // this rank's rows' clusters under the final centroids
};

// The centroids fit_kmeans starts from (options.init, options.seed): rows of the data, the same
// on every rank and on any number of ranks. Collective over comm.
Eigen::MatrixXd initial_centroids(const data::Shard& shard, const KMeansOptions& options,
                                  const comm::Communicator& comm);

// Fits on every rank's shard. Collective over comm. `initial` (k x features), when not empty,
// replaces the initialisation.
KMeansResult fit_kmeans(const data::Shard& shard, const KMeansOptions& options,
                        const comm::Communicator& comm,
                        const std::function<void(const KMeansIteration&)>& on_iteration = {},
                        const Eigen::MatrixXd& initial = {});

// ‖x‖² of each row, summed in double in index order (the same bits on any rank).
Eigen::VectorXd row_squared_norms(const data::RowMatrix& x);

// The nearest of a set of centroids for blocks of rows.
class NearestCentroid {
 public:
  explicit NearestCentroid(const Eigen::MatrixXd& centroids);
  // For each row of x: the nearest centroid (the lowest index among equals) and the squared
  // distance to it. `norms` holds ‖x‖² of the rows.
  void assign(const data::RowMatrix& x, std::span<const double> norms,
              std::span<std::int32_t> labels, std::span<double> distances);
  // Squared distances of every row to every centroid (rows x k).
  void distances(const data::RowMatrix& x, std::span<const double> norms, Eigen::MatrixXd& out);

 private:
  template <class Visit>
  void for_each_block(const data::RowMatrix& x, Visit visit);
  data::RowMatrix centroids_;  // float, for the cross term
  Eigen::VectorXd centroid_norms_;
  data::RowMatrix products_;
};

}  // namespace psml::stats
