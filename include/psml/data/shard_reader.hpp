// Reads one rank's contiguous range of rows (an HDF5 hyperslab), never the whole file.
#pragma once

#include "psml/data/row_range.hpp"
#include "psml/data/schema.hpp"
#include "psml/data/shard.hpp"

namespace psml::data {

// Reads `range` of the file described by `info` and validates it: every feature finite, every
// class id in [0, num_classes) (when num_classes is known, else >= 0). Errors name the file and
// the first bad global row.
Shard read_shard(const DatasetInfo& info, RowRange range);

}  // namespace psml::data
