// A rank's rows of a dataset, in memory, and views of batches of them.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <span>

#include "psml/data/row_range.hpp"
#include "psml/data/schema.hpp"

namespace psml::data {

template <class Scalar>
using RowMatrixT = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowMatrix = RowMatrixT<float>;
using ConstRowsMap = Eigen::Map<const RowMatrix>;

// Contiguous rows with their labels: what a model sees in one step or one evaluation block.
// Training uses float; gradient checking uses double.
template <class Scalar>
struct BatchViewT {
  Eigen::Map<const RowMatrixT<Scalar>> x;
  std::span<const std::int32_t> classes;  // classification; empty for regression
  std::span<const Scalar> targets;        // regression; empty for classification
  Eigen::Index rows() const { return x.rows(); }
};
using BatchView = BatchViewT<float>;

struct Shard {
  DatasetInfo info;
  RowRange rows;            // which global rows this rank holds
  RowMatrix x;              // rows.count x info.features
  Eigen::VectorXi classes;  // classification labels
  Eigen::VectorXf targets;  // regression labels

  // Rows [first, first + count) of this shard, as a view.
  BatchView view(Eigen::Index first, Eigen::Index count) const;
};

}  // namespace psml::data
