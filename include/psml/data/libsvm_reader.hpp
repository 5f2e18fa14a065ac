// The LIBSVM / SVMlight text format: one row per line, "label index:value index:value ...",
// indices 1-based (or 0-based with zero_based), increasing; '#' starts a comment. Labels are
// integers: class id = label − the label base. By default (kAutoLabels) a file whose labels are
// all −1 or +1 is binary and maps −1 to 0, +1 to 1; otherwise labels 1..K (the smallest is 1 or
// more) are 1-based and labels from 0 are kept. A test file converted on its own may lack the
// class that decided its train file's base: give the same base to both (LibsvmData::label_base).
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "psml/data/csr.hpp"

namespace psml::data {

inline constexpr int kAutoLabels = -2;    // label_base: decided from the file's labels
inline constexpr int kPlusMinusOne = -1;  // label_base: −1 → 0, +1 → 1

struct LibsvmData {
  CsrRows x;
  std::vector<std::int32_t> classes;
  std::int64_t num_features = 0;  // the largest column id + 1
  std::int64_t num_classes = 0;
  int label_base = 0;  // what was subtracted from the labels (kPlusMinusOne: the ±1 mapping)
};

// Parses LIBSVM text; `source` names the input in errors ("file:line: problem").
LibsvmData parse_libsvm(std::istream& in, const std::string& source, bool zero_based,
                        int label_base = kAutoLabels);

// Imports a LIBSVM file into psml's CSR schema. `features` > 0 sets the column count (it must
// cover every index in the file), so that train and test files agree. Returns how the labels
// became class ids, in words.
std::string import_libsvm(const std::string& path, const std::string& out, bool zero_based,
                          std::int64_t features, int label_base = kAutoLabels);

}  // namespace psml::data
