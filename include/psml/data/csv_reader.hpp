// Delimited text (CSV): one row per line, every field a number, one column the label. The parser
// is pure (text in, rows out) so tests and the fuzzer drive it without files.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "psml/data/schema.hpp"

namespace psml::data {

struct CsvOptions {
  enum class Header { kAuto, kYes, kNo };
  // kAuto: the first line is a header when any of its fields is not a number.
  Header header = Header::kAuto;
  char delimiter = ',';
  // The label's column, 0-based; -1 is the last column. Default 0: the first, as in the common
  // MNIST / Fashion-MNIST CSV files ("label,pixel1,...").
  std::int64_t label_column = 0;
  Task task = Task::kClassification;
};

struct CsvData {
  std::int64_t rows = 0;
  std::int64_t features = 0;
  std::vector<float> x;               // rows x features, row-major
  std::vector<std::int32_t> classes;  // classification
  std::vector<float> targets;         // regression
  std::int64_t num_classes = 0;       // classification: largest class id + 1 (at least 2)
};

// Parses CSV text; `source` names the input in errors ("file:line: problem"). Blank lines are
// skipped; every other line must have the first data line's column count, numbers only (no
// quotes), finite; classification labels must be non-negative integers. Memory grows with the
// text read, never with a count the text declares.
CsvData parse_csv(std::istream& in, const std::string& source, const CsvOptions& options);

// Parses --header: "auto", "yes" or "no".
CsvOptions::Header parse_csv_header(const std::string& text);

// Imports a CSV file into psml's dense schema, each feature multiplied by `scale`.
void import_csv(const std::string& path, const std::string& out, const CsvOptions& options,
                float scale);

}  // namespace psml::data
