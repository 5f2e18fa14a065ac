// Standardisation (psml train --standardize): each feature shifted by its mean and divided by its
// standard deviation, both computed on the training rows, so that features of any scale (pixels of
// 0..255, counts, prices) train with the same learning rate. Sparse (CSR) rows are only divided,
// never centred (centring would fill every zero), as scikit-learn's
// StandardScaler(with_mean=False).
//
// The figures come from sums over every worker's rows in float64, in two passes (the mean, then
// the squared deviations from it: Σx² − n·mean² cancels for features far from 0), summed across
// workers by the caller (train/worker_setup.cpp); the same rows give the same figures.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "psml/data/csr.hpp"
#include "psml/data/shard.hpp"

namespace psml::data {

struct Standardization {
  std::vector<double> mean;   // per feature; zeros for sparse data
  std::vector<double> scale;  // per feature: the standard deviation (ddof 0), 1 where it is 0

  bool empty() const { return scale.empty(); }
  std::int64_t features() const { return static_cast<std::int64_t>(scale.size()); }

  // (x - mean) / scale of `count` row-major rows of features() values, in place.
  void apply(float* rows, std::int64_t count) const;
  void apply(RowMatrix& x) const { apply(x.data(), x.rows()); }
  // x / scale of every stored value.
  void apply(CsrRows& x) const;
};

// Pass 1: per-feature sums of `x`'s rows (CSR: features columns, zeros included by omission).
std::vector<double> feature_sums(const RowMatrix& x);
std::vector<double> feature_sums(const CsrRows& x, std::int64_t features);

// Pass 2: per-feature sums of squared deviations from `mean` (CSR: the unstored zeros count).
std::vector<double> squared_deviations(const RowMatrix& x, std::span<const double> mean);
std::vector<double> squared_deviations(const CsrRows& x, std::span<const double> mean);

// The standardisation of `rows` rows whose summed figures these are: mean = sums / rows, scale =
// sqrt(squared deviations / rows), 1 where that is 0 (a constant feature is left as it is).
// `centre` false (sparse data): mean stored as zeros.
Standardization standardization_of(std::span<const double> sums,
                                   std::span<const double> squared_deviations, std::int64_t rows,
                                   bool centre);

}  // namespace psml::data
