#include "psml/compress/power_sgd_codec.hpp"

#include <algorithm>
#include <cstring>

#include "psml/core/error.hpp"
#include "psml/core/rng.hpp"

namespace psml::compress {

std::size_t FactorPlan::raw_values() const {
  std::size_t values = 0;
  for (const auto& r : raw) values += r.count;
  return values;
}

FactorPlan plan_factors(std::size_t n, std::span<const MatrixBlock> matrices, int rank) {
  if (rank < 1) throw error("--compression powersgd:", rank, ": the rank must be at least 1");
  std::vector<MatrixBlock> sorted(matrices.begin(), matrices.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.offset < b.offset; });
  FactorPlan plan;
  std::size_t covered = 0, previous_end = 0;  // values below `covered` are planned
  for (const auto& m : sorted) {
    if (m.rows < 1 || m.cols < 1 || m.offset + m.size() > n || m.offset < previous_end)
      throw error("powersgd: weight matrix ", m.rows, " x ", m.cols, " at ", m.offset,
                  " does not fit ", n, " values without overlapping another");
    previous_end = m.offset + m.size();
    const std::int64_t r = std::min<std::int64_t>(rank, std::min(m.rows, m.cols));
    if (r * (m.rows + m.cols) >= m.rows * m.cols) continue;  // the factors would not be smaller
    if (m.offset > covered) plan.raw.push_back({covered, m.offset - covered});
    plan.factored.push_back(m);
    covered = previous_end;
  }
  if (covered < n) plan.raw.push_back({covered, n - covered});
  return plan;
}

PowerSgdCodec::PowerSgdCodec(std::size_t n, std::span<const MatrixBlock> matrices, int rank)
    : n_(n) {
  auto plan = plan_factors(n, matrices, rank);
  std::size_t largest = 0;
  for (std::size_t i = 0; i < plan.factored.size(); ++i) {
    const auto& m = plan.factored[i];
    // This worker's factors alone: the seed need not match other workers'.
    factored_.push_back({m, PowerSgd(m.rows, m.cols, rank, mix64(i + 1))});
    floats_ +=
        static_cast<std::size_t>(factored_.back().power.p_size() + factored_.back().power.q_size());
    largest = std::max(largest, m.size());
  }
  raw_ = std::move(plan.raw);
  for (const auto& r : raw_) floats_ += r.count;
  encoding_.resize(floats_);
  approx_.resize(largest);
}

void PowerSgdCodec::encode(std::span<const float> values, std::span<std::byte> out) {
  PSML_CHECK_EQ(values.size(), n_, "powersgd encoding");
  PSML_CHECK_EQ(out.size(), encoded_bytes(), "powersgd encoding bytes");
  const std::span<float> encoding(encoding_);
  std::size_t at = 0;
  for (auto& f : factored_) {
    const auto p = encoding.subspan(at, static_cast<std::size_t>(f.power.p_size()));
    const auto q = encoding.subspan(at + p.size(), static_cast<std::size_t>(f.power.q_size()));
    f.power.start(values.subspan(f.block.offset, f.block.size()), p);
    f.power.middle(p, q);
    // One worker: the approximation is P Qᵀ itself; finish keeps M - P Qᵀ as the residual.
    f.power.finish(p, q, 1, std::span<float>(approx_).first(f.block.size()));
    at += p.size() + q.size();
  }
  for (const auto& r : raw_) {
    std::copy_n(values.begin() + static_cast<std::ptrdiff_t>(r.offset), r.count,
                encoding.begin() + static_cast<std::ptrdiff_t>(at));
    at += r.count;
  }
  std::memcpy(out.data(), encoding_.data(), encoded_bytes());
}

void PowerSgdCodec::add_decoded(std::span<const std::byte> in, std::span<float> sum) {
  PSML_CHECK_EQ(in.size(), encoded_bytes(), "powersgd decoding bytes");
  PSML_CHECK_EQ(sum.size(), n_, "powersgd decoding");
  std::memcpy(encoding_.data(), in.data(), encoded_bytes());
  using ColMajor = Eigen::Map<const Eigen::MatrixXf>;
  using RowMajor =
      Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
  std::size_t at = 0;
  for (const auto& f : factored_) {
    const auto rank = f.power.p_size() / f.block.rows;
    const ColMajor p(encoding_.data() + at, f.block.rows, rank);
    at += static_cast<std::size_t>(f.power.p_size());
    const ColMajor q(encoding_.data() + at, f.block.cols, rank);
    at += static_cast<std::size_t>(f.power.q_size());
    RowMajor(sum.data() + f.block.offset, f.block.rows, f.block.cols).noalias() +=
        p * q.transpose();
  }
  for (const auto& r : raw_) {
    for (std::size_t i = 0; i < r.count; ++i) sum[r.offset + i] += encoding_[at + i];
    at += r.count;
  }
}

}  // namespace psml::compress
