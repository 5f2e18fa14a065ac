// The LIBSVM / SVMlight text format: one row per line, "label index:value index:value ...",
// indices 1-based (or 0-based with zero_based), increasing; '#' starts a comment. Labels are
// integer class ids; a file whose labels are all -1 or +1 is binary and maps -1 to 0, +1 to 1.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "psml/data/csr.hpp"

namespace psml::data {

struct LibsvmData {
  CsrRows x;
  std::vector<std::int32_t> classes;
  std::int64_t num_features = 0;  // the largest column id + 1
  std::int64_t num_classes = 0;
};

// Parses LIBSVM text; `source` names the input in errors ("file:line: problem").
LibsvmData parse_libsvm(std::istream& in, const std::string& source, bool zero_based);

// Imports a LIBSVM file into psml's CSR schema. `features` > 0 sets the column count (it must
// cover every index in the file), so that train and test files agree.
void import_libsvm(const std::string& path, const std::string& out, bool zero_based,
                   std::int64_t features);

}  // namespace psml::data
