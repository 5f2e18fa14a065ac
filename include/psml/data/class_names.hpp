// The class names a model file keeps (DatasetInfo::class_names: the user's label of each class
// id) as one root attribute `class_names`, a JSON array of strings (h5py:
// json.loads(f.attrs["class_names"])). Checkpoints and psml fit's classifiers write it alike.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "psml/data/h5.hpp"

namespace psml::data {

// Writes the attribute; nothing for no names (labels that were the ids).
void write_class_names(const h5::File& file, const std::vector<std::string>& names);

// The names of the attribute, empty where there is none. Throws psml::Error naming the file for
// an attribute that is not a JSON array of strings, or one of another length than `classes`.
std::vector<std::string> read_class_names(const h5::File& file, std::int64_t classes);

}  // namespace psml::data
