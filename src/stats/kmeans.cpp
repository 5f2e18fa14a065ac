#include "psml/stats/kmeans.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>

#include "psml/core/error.hpp"
#include "psml/core/rng.hpp"
#include "psml/core/stopwatch.hpp"
#include "psml/data/row_blocks.hpp"
#include "psml/stats/moments.hpp"

namespace psml::stats {
namespace {

// A uniform double in [0, 1) from 53 random bits (the same on every platform).
double uniform(Rng& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

// A row of [0, rows) drawn uniformly.
std::int64_t uniform_row(Rng& rng, std::int64_t rows) {
  return std::min(rows - 1, static_cast<std::int64_t>(uniform(rng) * static_cast<double>(rows)));
}

// Global rows, fetched from the ranks that hold them: each owner writes its rows into a zeroed
// buffer and one allreduce adds the buffers, so every rank gets every row exactly.
Eigen::MatrixXd fetch_rows(const data::Shard& shard, std::span<const std::int64_t> rows,
                           const comm::Communicator& comm) {
  const auto d = shard.x.cols();
  data::RowMatrixT<double> out =
      data::RowMatrixT<double>::Zero(static_cast<Eigen::Index>(rows.size()), d);
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (shard.rows.contains(rows[i]))
      out.row(static_cast<Eigen::Index>(i)) =
          shard.x.row(rows[i] - shard.rows.first).cast<double>();
  comm.allreduce(std::span<double>(out.data(), static_cast<std::size_t>(out.size())));
  return out;
}

// The global rows at which running sums of `weights` over the global row order first exceed
// each of `targets` (weights >= 0; numpy's searchsorted on the cumulative sum). A target at or
// past the total (rounding) takes the last row with weight; with no weight anywhere (as many
// clusters as distinct rows), row 0. Collective.
std::vector<std::int64_t> locate(const data::Shard& shard, const Eigen::VectorXd& weights,
                                 std::span<const double> targets, const comm::Communicator& comm) {
  const auto size = static_cast<std::size_t>(comm.size());
  const auto me = static_cast<std::size_t>(comm.rank());
  std::vector<double> totals(size, 0.0);
  totals[me] = weights.sum();
  comm.allreduce(std::span<double>(totals));
  // Every rank derives the same boundaries from the same totals, so exactly one rank owns each
  // target, whatever the rounding.
  std::vector<double> start(size + 1, 0.0);
  std::size_t last_owner = size;  // the last rank with weight
  for (std::size_t r = 0; r < size; ++r) {
    start[r + 1] = start[r] + totals[r];
    if (totals[r] > 0) last_owner = r;
  }
  std::vector<std::int64_t> found(targets.size(), 0);
  if (last_owner == size) return found;
  for (std::size_t t = 0; t < targets.size(); ++t) {
    std::size_t owner = last_owner;
    for (std::size_t r = 0; r < last_owner; ++r)
      if (totals[r] > 0 && targets[t] < start[r + 1]) {
        owner = r;
        break;
      }
    if (owner != me) continue;
    const double target = targets[t] - start[me];
    double running = 0;
    Eigen::Index at = -1, last_positive = 0;
    for (Eigen::Index i = 0; i < weights.size() && at < 0; ++i) {
      if (weights[i] > 0) last_positive = i;
      running += weights[i];
      if (running > target && weights[i] > 0) at = i;
    }
    found[t] = shard.rows.first + (at >= 0 ? at : last_positive) + 1;  // + 1: 0 means not here
  }
  comm.allreduce(std::span<std::int64_t>(found));
  for (auto& f : found) f -= 1;
  return found;
}

Eigen::MatrixXd kmeans_plus_plus(const data::Shard& shard, std::span<const double> norms, int k,
                                 Rng& rng, const comm::Communicator& comm) {
  const auto total = shard.info.rows;
  const int trials = 2 + static_cast<int>(std::log(static_cast<double>(k)));
  Eigen::MatrixXd centroids(k, shard.x.cols());
  const std::int64_t first[] = {uniform_row(rng, total)};
  centroids.row(0) = fetch_rows(shard, first, comm);
  Eigen::MatrixXd to_candidates;
  NearestCentroid(centroids.topRows(1)).distances(shard.x, norms, to_candidates);
  Eigen::VectorXd closest = to_candidates.col(0);
  double potential = comm.allreduce(closest.sum(), comm::ReduceOp::kSum);
  for (int c = 1; c < k; ++c) {
    std::vector<double> targets(static_cast<std::size_t>(trials));
    for (auto& t : targets) t = uniform(rng) * potential;
    const auto rows = locate(shard, closest, targets, comm);
    const Eigen::MatrixXd candidates = fetch_rows(shard, rows, comm);
    NearestCentroid(candidates).distances(shard.x, norms, to_candidates);
    std::vector<double> potentials(static_cast<std::size_t>(trials), 0.0);
    for (int t = 0; t < trials; ++t)
      potentials[static_cast<std::size_t>(t)] = closest.cwiseMin(to_candidates.col(t)).sum();
    comm.allreduce(std::span<double>(potentials));
    const auto best = static_cast<Eigen::Index>(
        std::min_element(potentials.begin(), potentials.end()) - potentials.begin());
    closest = closest.cwiseMin(to_candidates.col(best));
    potential = potentials[static_cast<std::size_t>(best)];
    centroids.row(c) = candidates.row(best);
  }
  return centroids;
}

Eigen::MatrixXd random_rows(const data::Shard& shard, int k, Rng& rng,
                            const comm::Communicator& comm) {
  std::set<std::int64_t> seen;
  std::vector<std::int64_t> rows;
  while (static_cast<int>(rows.size()) < k) {
    const auto row = uniform_row(rng, shard.info.rows);
    if (seen.insert(row).second) rows.push_back(row);
  }
  return fetch_rows(shard, rows, comm);
}

// The starting centroids, from options.seed: rows of the data, the same on any number of ranks.
Eigen::MatrixXd start_centroids(const data::Shard& shard, std::span<const double> norms,
                                const KMeansOptions& options, const comm::Communicator& comm) {
  auto rng = make_rng(options.seed, RngPurpose::kClusters);
  if (options.init == "k-means++") return kmeans_plus_plus(shard, norms, options.k, rng, comm);
  if (options.init == "random") return random_rows(shard, options.k, rng, comm);
  throw error("--init: '", options.init, "' is neither k-means++ nor random");
}

// The mean variance of the features (scikit-learn scales its tolerance by it). Collective.
double mean_variance(const data::Shard& shard, const comm::Communicator& comm) {
  const auto d = shard.x.cols();
  const Eigen::VectorXd mean = global_mean(shard, comm);
  double squares = 0;
  for (Eigen::Index i = 0; i < shard.x.rows(); ++i)
    squares += (shard.x.row(i).cast<double>().transpose() - mean).squaredNorm();
  squares = comm.allreduce(squares, comm::ReduceOp::kSum);
  return squares / static_cast<double>(shard.info.rows) / static_cast<double>(d);
}

// Empty clusters take the rows farthest from their centroids (farthest first, lower row first
// among equals), leaving the clusters those rows came from: scikit-learn's rule. Collective.
int relocate_empty(const data::Shard& shard, std::span<const std::int32_t> labels,
                   std::span<const double> distances, data::RowMatrixT<double>& sums,
                   Eigen::VectorXd& counts, const comm::Communicator& comm) {
  std::vector<Eigen::Index> empty;
  for (Eigen::Index j = 0; j < counts.size(); ++j)
    if (counts[j] == 0) empty.push_back(j);
  if (empty.empty()) return 0;
  const auto want = empty.size();
  // Each rank offers its `want` farthest rows: (distance, global row) pairs, gathered by a sum.
  std::vector<Eigen::Index> order(distances.size());
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  const auto mine = std::min(want, order.size());
  std::partial_sort(
      order.begin(), order.begin() + static_cast<std::ptrdiff_t>(mine), order.end(),
      [&](Eigen::Index a, Eigen::Index b) {
        return distances[static_cast<std::size_t>(a)] > distances[static_cast<std::size_t>(b)] ||
               (distances[static_cast<std::size_t>(a)] == distances[static_cast<std::size_t>(b)] &&
                a < b);
      });
  std::vector<double> offers(static_cast<std::size_t>(comm.size()) * want * 2, 0.0);
  for (std::size_t i = 0; i < want; ++i) {
    const auto slot = (static_cast<std::size_t>(comm.rank()) * want + i) * 2;
    offers[slot] = i < mine ? distances[static_cast<std::size_t>(order[i])] : -1.0;
    offers[slot + 1] = i < mine ? static_cast<double>(shard.rows.first + order[i]) : -1.0;
  }
  comm.allreduce(std::span<double>(offers));
  std::vector<std::pair<double, double>> all;
  for (std::size_t i = 0; i < offers.size(); i += 2)
    if (offers[i + 1] >= 0) all.emplace_back(offers[i], offers[i + 1]);
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  const auto moved = std::min(want, all.size());
  std::vector<std::int64_t> rows(moved);
  std::vector<double> from(moved, 0.0);  // the clusters the rows leave
  for (std::size_t i = 0; i < moved; ++i) {
    rows[i] = static_cast<std::int64_t>(all[i].second);
    if (shard.rows.contains(rows[i]))
      from[i] = labels[static_cast<std::size_t>(rows[i] - shard.rows.first)];
  }
  comm.allreduce(std::span<double>(from));
  const Eigen::MatrixXd x = fetch_rows(shard, rows, comm);
  for (std::size_t i = 0; i < moved; ++i) {
    const auto old = static_cast<Eigen::Index>(from[i]);
    const auto row = static_cast<Eigen::Index>(i);
    sums.row(old) -= x.row(row);
    counts[old] -= 1;
    sums.row(empty[i]) = x.row(row);
    counts[empty[i]] = 1;
  }
  return static_cast<int>(moved);
}

}  // namespace

Eigen::VectorXd row_squared_norms(const data::RowMatrix& x) {
  Eigen::VectorXd norms(x.rows());
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    const float* row = x.data() + i * x.cols();
    double s = 0;
    for (Eigen::Index j = 0; j < x.cols(); ++j) s += static_cast<double>(row[j]) * row[j];
    norms[i] = s;
  }
  return norms;
}

NearestCentroid::NearestCentroid(const Eigen::MatrixXd& centroids)
    : centroids_(centroids.cast<float>()), centroid_norms_(centroids.rows()) {
  for (Eigen::Index j = 0; j < centroids.rows(); ++j) {
    double s = 0;
    for (Eigen::Index c = 0; c < centroids.cols(); ++c) s += centroids(j, c) * centroids(j, c);
    centroid_norms_[j] = s;
  }
}

template <class Visit>
void NearestCentroid::for_each_block(const data::RowMatrix& x, Visit visit) {
  data::for_each_row_block(x.rows(), [&](Eigen::Index first, Eigen::Index n) {
    products_.noalias() = x.middleRows(first, n) * centroids_.transpose();
    visit(first, n);
  });
}

void NearestCentroid::assign(const data::RowMatrix& x, std::span<const double> norms,
                             std::span<std::int32_t> labels, std::span<double> distances) {
  const auto k = centroids_.rows();
  for_each_block(x, [&](Eigen::Index first, Eigen::Index n) {
    for (Eigen::Index i = 0; i < n; ++i) {
      Eigen::Index best = 0;
      double best_value = std::numeric_limits<double>::infinity();
      for (Eigen::Index j = 0; j < k; ++j) {
        const double value = centroid_norms_[j] - 2.0 * static_cast<double>(products_(i, j));
        if (value < best_value) {
          best_value = value;
          best = j;
        }
      }
      const auto row = static_cast<std::size_t>(first + i);
      labels[row] = static_cast<std::int32_t>(best);
      distances[row] = std::max(0.0, norms[row] + best_value);
    }
  });
}

void NearestCentroid::distances(const data::RowMatrix& x, std::span<const double> norms,
                                Eigen::MatrixXd& out) {
  out.resize(x.rows(), centroids_.rows());
  for_each_block(x, [&](Eigen::Index first, Eigen::Index n) {
    for (Eigen::Index i = 0; i < n; ++i)
      for (Eigen::Index j = 0; j < centroids_.rows(); ++j)
        out(first + i, j) =
            std::max(0.0, norms[static_cast<std::size_t>(first + i)] + centroid_norms_[j] -
                              2.0 * static_cast<double>(products_(i, j)));
  });
}

Eigen::MatrixXd initial_centroids(const data::Shard& shard, const KMeansOptions& options,
                                  const comm::Communicator& comm) {
  const Eigen::VectorXd norms = row_squared_norms(shard.x);
  return start_centroids(shard, {norms.data(), static_cast<std::size_t>(norms.size())}, options,
                         comm);
}

KMeansResult fit_kmeans(const data::Shard& shard, const KMeansOptions& options,
                        const comm::Communicator& comm,
                        const std::function<void(const KMeansIteration&)>& on_iteration,
                        const Eigen::MatrixXd& initial) {
  const auto d = shard.x.cols();
  const int k = options.k;
  if (k < 1) throw error("--k: must be at least 1, is ", k);
  if (k > shard.info.rows)
    throw error("--k ", k, ": more clusters than the ", shard.info.rows, " rows of ",
                shard.info.path);
  const Eigen::VectorXd norms = row_squared_norms(shard.x);
  const std::span<const double> norm_span(norms.data(), static_cast<std::size_t>(norms.size()));
  KMeansResult result;
  const auto init_start = Clock::now();
  if (initial.size() > 0) {
    if (initial.rows() != k || initial.cols() != d)
      throw error("initial centroids: ", initial.rows(), " x ", initial.cols(), ", need ", k, " x ",
                  d);
    result.model.centroids = initial;
  } else {
    result.model.centroids = start_centroids(shard, norm_span, options, comm);
  }
  const double tolerance = options.tol * mean_variance(shard, comm);
  result.init_seconds = seconds_since(init_start);

  auto& centroids = result.model.centroids;
  const auto n = static_cast<std::size_t>(shard.x.rows());
  std::vector<std::int32_t> labels(n, -1), previous(n, -1);
  std::vector<double> distances(n, 0.0);
  // One buffer, one allreduce: per-cluster sums (k x d), counts (k), inertia, changed rows.
  std::vector<double> reduced(static_cast<std::size_t>(k * d + k + 2));
  bool strict = false;  // no row changed: the centroids are already the final ones
  for (int it = 1; it <= options.max_iterations; ++it) {
    const auto start = Clock::now();
    NearestCentroid(centroids).assign(shard.x, norm_span, labels, distances);
    std::fill(reduced.begin(), reduced.end(), 0.0);
    Eigen::Map<data::RowMatrixT<double>> sums(reduced.data(), k, d);
    Eigen::Map<Eigen::VectorXd> counts(reduced.data() + k * d, k);
    double& inertia = reduced[static_cast<std::size_t>(k * d + k)];
    double& changed = reduced[static_cast<std::size_t>(k * d + k + 1)];
    for (std::size_t i = 0; i < n; ++i) {
      const auto label = labels[i];
      sums.row(label) += shard.x.row(static_cast<Eigen::Index>(i)).cast<double>();
      counts[label] += 1;
      inertia += distances[i];
      changed += label != previous[i] ? 1 : 0;
    }
    comm.allreduce(std::span<double>(reduced));
    KMeansIteration step;
    step.iteration = it;
    step.inertia = inertia;
    step.changed = static_cast<std::int64_t>(changed);
    data::RowMatrixT<double> new_sums = sums;
    Eigen::VectorXd new_counts = counts;
    step.relocated = relocate_empty(shard, labels, distances, new_sums, new_counts, comm);
    Eigen::MatrixXd next = centroids;
    for (Eigen::Index j = 0; j < k; ++j)
      if (new_counts[j] > 0) next.row(j) = new_sums.row(j) / new_counts[j];
    step.shift = (next - centroids).squaredNorm();
    std::swap(labels, previous);
    result.iterations = it;
    result.inertia = inertia;
    step.seconds = seconds_since(start);
    result.history.push_back(step);
    if (on_iteration) on_iteration(step);
    if (step.changed == 0 && step.relocated == 0) {
      strict = true;
      result.converged = true;
      result.stopped_because = "no row changed cluster";
      break;
    }
    centroids = next;
    if (step.shift <= tolerance) {
      result.converged = true;
      result.stopped_because = "centroid shift within tolerance";
      break;
    }
  }
  if (!result.converged) result.stopped_because = "reached --max-iter";
  result.labels = std::move(previous);  // the last assignment
  if (!strict) {
    // The centroids moved after the last assignment: assign once more for the final inertia.
    NearestCentroid(centroids).assign(shard.x, norm_span, result.labels, distances);
    double inertia = 0;
    for (const double v : distances) inertia += v;
    result.inertia = comm.allreduce(inertia, comm::ReduceOp::kSum);
  }
  return result;
}

}  // namespace psml::stats
