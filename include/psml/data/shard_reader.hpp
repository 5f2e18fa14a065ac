// Reads one rank's contiguous range of rows (an HDF5 hyperslab), never the whole file.
#pragma once

#include <Eigen/Core>
#include <cstdint>

#include "psml/data/h5.hpp"
#include "psml/data/row_range.hpp"
#include "psml/data/schema.hpp"
#include "psml/data/shard.hpp"

namespace psml::data {

// Reads `range` of the file described by `info` and validates it: every feature finite, every
// class id in [0, num_classes) (when num_classes is known, else >= 0). Errors name the file and
// the first bad global row.
Shard read_shard(const DatasetInfo& info, RowRange range);

// The file kept open, for reading many ranges into memory the caller owns (a streamed shard's
// windows), validated as read_shard does.
class ShardFile {
 public:
  explicit ShardFile(const DatasetInfo& info);
  // Rows `range` of the file into x (range.count x features, row-major) and its labels into
  // classes (classification) or targets (regression), each range.count long (the other one is
  // not touched: it may be null).
  void read(RowRange range, float* x, std::int32_t* classes, float* targets);

 private:
  DatasetInfo info_;
  h5::File file_;
  h5::Dataset features_;
  std::optional<h5::Dataset> labels_;
  Eigen::VectorXi classes_;
  Eigen::VectorXf targets_;
};

}  // namespace psml::data
