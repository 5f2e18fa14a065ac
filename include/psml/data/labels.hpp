// Reading and checking the /labels of a row range, shared by the dense and sparse readers.
#pragma once

#include <Eigen/Core>

#include "psml/data/h5.hpp"
#include "psml/data/row_range.hpp"
#include "psml/data/schema.hpp"

namespace psml::data {

// Class ids in [0, num_classes) (when known, else >= 0), or finite regression targets; errors
// name the file and the global row.
void read_labels(const DatasetInfo& info, const h5::Dataset& labels, RowRange range,
                 Eigen::VectorXi& classes, Eigen::VectorXf& targets);

}  // namespace psml::data
