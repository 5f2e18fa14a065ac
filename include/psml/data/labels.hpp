// Reading and checking the labels of a row range, shared by the dense and sparse readers.
#pragma once

#include <Eigen/Core>

#include "psml/data/h5.hpp"
#include "psml/data/row_range.hpp"
#include "psml/data/schema.hpp"

namespace psml::data {

// Classification: each label's class id, its index in info.class_names when the file's labels
// are named (strings, bool, -1 / +1, ...; a label not among them throws naming the row, the
// label and the classes known), else the label itself, in [0, num_classes) (when known, else
// >= 0). Regression: finite targets. Errors name the file and the global row.
void read_labels(const DatasetInfo& info, const h5::Dataset& labels, RowRange range,
                 Eigen::VectorXi& classes, Eigen::VectorXf& targets);

}  // namespace psml::data
