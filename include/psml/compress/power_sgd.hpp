// PowerSGD (Vogels, Karimireddy and Jaggi, 2019) for one weight matrix of m x n values, with
// error feedback: the workers exchange rank-r factors, P (m x r) and Q (n x r), instead of the
// matrix; both are sums over workers, so an allreduce carries them.
//
//   M = gradient + residual                      (this worker's)
//   P = M Q               -> allreduce (sum)     Q: last step's, warm start (seeded at first)
//   P = orthonormal basis of P's columns (Gram-Schmidt, the same on every worker)
//   Q = Mᵀ P              -> allreduce (sum)
//   approximation of Σ M over workers = P Qᵀ;  residual = M - P Qᵀ / workers
//
// So the residuals of all workers add up to Σ M - P Qᵀ: what the approximation missed is sent in
// later steps. A matrix of rank <= r is reproduced exactly. One step, on every worker:
//
//   power.start(grad, p);  allreduce(p);  power.middle(q);  allreduce(q);  power.finish(out);
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <span>

namespace psml::compress {

class PowerSgd {
 public:
  // `seed` must be the same on every worker (the first Q).
  PowerSgd(Eigen::Index rows, Eigen::Index cols, int rank, std::uint64_t seed);

  Eigen::Index p_size() const { return rows_ * rank_; }
  Eigen::Index q_size() const { return cols_ * rank_; }

  // grad: the matrix, row-major (as a layer stores its weights). Writes this worker's P.
  void start(std::span<const float> grad, std::span<float> p);
  // p: the sum of every worker's P. Orthonormalises it and writes this worker's Q.
  void middle(std::span<float> p, std::span<float> q);
  // q: the sum of every worker's Q; `workers`: how many. Writes the approximation of the sum of
  // the workers' matrices (row-major) and keeps this worker's residual.
  void finish(std::span<const float> p, std::span<const float> q, int workers,
              std::span<float> out);

  const Eigen::MatrixXf& residual() const { return residual_; }

 private:
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Index rows_, cols_, rank_;
  Eigen::MatrixXf m_;         // gradient + residual
  Eigen::MatrixXf residual_;  // rows x cols
  Eigen::MatrixXf q_;         // cols x rank: warm start
};

}  // namespace psml::compress
