// How a classification file's labels become class ids 0..K-1 (docs/data.md, "Labels"): ids as
// they are, or the user's labels (strings, bool, -1 / +1, 1..K) numbered in sorted order, as
// scikit-learn's LabelEncoder does, with their text kept as the classes' names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "psml/data/h5.hpp"
#include "psml/data/row_range.hpp"

namespace psml::data {

// The classes one pass over a file's labels decides.
struct LabelClasses {
  std::int64_t num_classes = 0;
  std::vector<std::string> names;  // empty: the labels are the ids
  std::vector<std::string> notes;  // the mapping made, classes without rows ("warning: ...")
};

// Reads every label of `labels` (a million at a time) and decides the classes:
//   bool: False, True as 0, 1 (no pass);
//   strings: their sorted distinct values;
//   integers and whole-number floats: with `declared` (the num_classes attribute) ids in
//   [0, declared), as always; without, ids when the smallest label is 0 (K = the largest + 1),
//   else their sorted distinct values (-1 / +1, 1..K).
// Errors name the file, the row and the label (a fraction, an id outside [0, declared)).
LabelClasses find_classes(const h5::Dataset& labels, std::optional<std::int64_t> declared);

// Labels `range` of a numeric or bool dataset as whole numbers (bool: 0 / 1); a float label that
// is not one throws, naming the row.
std::vector<std::int64_t> read_whole_labels(const h5::Dataset& labels, RowRange range);

// Class ids of the user's labels: a label's index among the names of the classes.
class ClassLookup {
 public:
  explicit ClassLookup(std::vector<std::string> names);
  // -1 for a label that is not among the names.
  std::int32_t id(const std::string& text) const;
  std::int32_t id(std::int64_t value) const;
  // "'cat', 'dog', 'fish'" (shortened past a dozen), for the errors about a label not among them.
  std::string describe() const;

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, std::int32_t> by_text_;
  std::unordered_map<std::int64_t, std::int32_t> by_value_;  // the names that are integers
};

}  // namespace psml::data
