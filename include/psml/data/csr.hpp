// Sparse rows in CSR form: row r holds the values values[indptr[r] .. indptr[r+1]) at the columns
// indices[...], strictly increasing within a row. A rank reads only its own range of rows.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "psml/data/row_range.hpp"
#include "psml/data/schema.hpp"

namespace psml::data {

struct CsrRows {
  std::vector<std::int64_t> indptr{0};  // rows + 1 offsets, from 0
  std::vector<std::int64_t> indices;
  std::vector<float> values;

  std::int64_t rows() const { return static_cast<std::int64_t>(indptr.size()) - 1; }
  std::span<const std::int64_t> columns(std::int64_t row) const {
    return {indices.data() + indptr[row], static_cast<std::size_t>(indptr[row + 1] - indptr[row])};
  }
  std::span<const float> row_values(std::int64_t row) const {
    return {values.data() + indptr[row], static_cast<std::size_t>(indptr[row + 1] - indptr[row])};
  }
};

struct SparseShard {
  DatasetInfo info;
  RowRange rows;
  CsrRows x;
  Eigen::VectorXi classes;  // classification labels
  Eigen::VectorXf targets;  // regression labels
};

// Reads `range` of a CSR file and validates it: column ids in [0, num_features) and increasing
// within each row, values finite, labels as read_labels takes them (class ids in range, or
// regression targets). Errors name the file and the global row.
SparseShard read_sparse_shard(const DatasetInfo& info, RowRange range);

// Writes CSR files in psml's schema, in blocks of rows.
class CsrWriter {
 public:
  CsrWriter(const std::string& path, std::int64_t rows, std::int64_t features, std::int64_t nnz,
            std::int64_t num_classes);
  // Appends rows (their indptr relative to the block, from 0) with their class ids.
  void append(const CsrRows& block, std::span<const std::int32_t> classes);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace psml::data
