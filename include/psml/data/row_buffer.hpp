// Workspace for a batch's rows: a row-major matrix of up to the most rows asked for so far. A
// batch of fewer rows is a view of the first rows (contiguous, as the matrix is row-major), so
// steps whose shares differ never reallocate; Eigen's own resize would, whenever the size changes.
// reserve() sizes it for the largest batch before the first step: none allocates after.
#pragma once

#include <Eigen/Core>
#include <cstddef>

#include "psml/core/aligned.hpp"
#include "psml/data/shard.hpp"

namespace psml::data {

template <class Scalar>
using RowsMapT = Eigen::Map<RowMatrixT<Scalar>>;
template <class Scalar>
using ConstRowsMapT = Eigen::Map<const RowMatrixT<Scalar>>;

template <class Scalar>
ConstRowsMapT<Scalar> as_const(const RowsMapT<Scalar>& m) {
  return {m.data(), m.rows(), m.cols()};
}

template <class Scalar>
class RowBuffer {
 public:
  // The first `rows` rows of `cols` columns; grows (allocates) only past every earlier request.
  RowsMapT<Scalar> rows(Eigen::Index rows, Eigen::Index cols) {
    const auto need = static_cast<std::size_t>(rows * cols);
    if (need > storage_.size()) storage_.resize(need);
    return {storage_.data(), rows, cols};
  }
  void reserve(Eigen::Index rows, Eigen::Index cols) { this->rows(rows, cols); }

 private:
  AlignedVector<Scalar> storage_;
};

}  // namespace psml::data
