#include "psml/data/standardization.hpp"

#include <cmath>

namespace psml::data {

void Standardization::apply(float* rows, std::int64_t count) const {
  const auto f = static_cast<std::size_t>(features());
  for (std::int64_t r = 0; r < count; ++r) {
    float* row = rows + static_cast<std::size_t>(r) * f;
    for (std::size_t j = 0; j < f; ++j)
      row[j] = static_cast<float>((static_cast<double>(row[j]) - mean[j]) / scale[j]);
  }
}

void Standardization::apply(CsrRows& x) const {
  for (std::size_t i = 0; i < x.values.size(); ++i)
    x.values[i] = static_cast<float>(static_cast<double>(x.values[i]) /
                                     scale[static_cast<std::size_t>(x.indices[i])]);
}

std::vector<double> feature_sums(const RowMatrix& x) {
  std::vector<double> sums(static_cast<std::size_t>(x.cols()), 0.0);
  for (Eigen::Index r = 0; r < x.rows(); ++r)
    for (Eigen::Index j = 0; j < x.cols(); ++j) sums[static_cast<std::size_t>(j)] += x(r, j);
  return sums;
}

std::vector<double> feature_sums(const CsrRows& x, std::int64_t features) {
  std::vector<double> sums(static_cast<std::size_t>(features), 0.0);
  for (std::size_t i = 0; i < x.values.size(); ++i)
    sums[static_cast<std::size_t>(x.indices[i])] += x.values[i];
  return sums;
}

std::vector<double> squared_deviations(const RowMatrix& x, std::span<const double> mean) {
  std::vector<double> sums(mean.size(), 0.0);
  for (Eigen::Index r = 0; r < x.rows(); ++r)
    for (std::size_t j = 0; j < mean.size(); ++j) {
      const double d = x(r, static_cast<Eigen::Index>(j)) - mean[j];
      sums[j] += d * d;
    }
  return sums;
}

std::vector<double> squared_deviations(const CsrRows& x, std::span<const double> mean) {
  // Each unstored zero deviates by -mean; the stored values replace that term by their own.
  std::vector<double> stored(mean.size(), 0.0);
  std::vector<double> sums(mean.size(), 0.0);
  for (std::size_t i = 0; i < x.values.size(); ++i) {
    const auto j = static_cast<std::size_t>(x.indices[i]);
    const double d = x.values[i] - mean[j];
    sums[j] += d * d;
    stored[j] += 1;
  }
  const auto rows = static_cast<double>(x.rows());
  for (std::size_t j = 0; j < mean.size(); ++j) sums[j] += (rows - stored[j]) * mean[j] * mean[j];
  return sums;
}

Standardization standardization_of(std::span<const double> sums,
                                   std::span<const double> squared_deviations, std::int64_t rows,
                                   bool centre) {
  Standardization s;
  const auto n = static_cast<double>(rows);
  s.mean.assign(sums.size(), 0.0);
  s.scale.resize(sums.size());
  for (std::size_t j = 0; j < sums.size(); ++j) {
    if (centre) s.mean[j] = sums[j] / n;
    const double sd = std::sqrt(squared_deviations[j] / n);
    s.scale[j] = sd > 0 ? sd : 1.0;
  }
  return s;
}

}  // namespace psml::data
