// Delimited text (CSV, TSV) as pandas' to_csv, spreadsheets and the MNIST CSV files write it: one
// row per record, one column the label, the others numbers. The parser is pure (text in, rows
// out) so tests and the fuzzer drive it without files.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "psml/data/schema.hpp"

namespace psml::data {

// Columns are named by a header name or by a 0-based position in the file (pandas' index column
// counts), or "first" / "last". A name the header holds wins over the number it spells, so
// "3" is pandas' column 3 also in a file whose index column comes first.
struct CsvOptions {
  enum class Header { kAuto, kYes, kNo };
  // kAuto: the first line is a header when a field is not a number (nor a missing value), or when
  // it is 0,1,...,k-1 with k >= 3 (pandas' names for a frame's unnamed columns).
  Header header = Header::kAuto;
  // 0: guessed from the first line (tab when it holds tabs and no commas, else ',').
  char delimiter = 0;
  // Empty: the column named label, else target, class or y (any case, the first of these names
  // the header holds; a name held twice is an error), else the first column (MNIST's
  // "label,pixel1,..."). The index and the dropped columns aside.
  std::string label_column;
  std::vector<std::string> drop_columns;
  Task task = Task::kClassification;
};

struct CsvData {
  std::int64_t rows = 0;
  std::int64_t features = 0;
  std::vector<float> x;               // rows x features, row-major
  std::vector<std::int32_t> classes;  // classification
  std::vector<float> targets;         // regression
  std::int64_t num_classes = 0;       // classification: largest class id + 1 (at least 2)
  // How the file was read, for the import's summary and for tests: the label's and the dropped
  // columns' positions in the file (pandas' index included), and each decision in words
  // ("header skipped", "label: column 4 (species), by its name").
  std::int64_t label_column = 0;
  std::vector<std::int64_t> dropped_columns;
  std::vector<std::string> notes;
};

// Parses CSV text; `source` names the input in errors ("file:line: column 2 (b): problem"). Blank
// lines are skipped; every record must have the first record's column count; the kept fields
// must be finite float32 numbers (quoted or not; True / False are 1 / 0); classification labels
// non-negative integers. Memory grows with the text read, never with a count the text declares.
CsvData parse_csv(std::istream& in, const std::string& source, const CsvOptions& options);

// Parses --header: "auto", "yes" or "no".
CsvOptions::Header parse_csv_header(const std::string& text);

// Imports a CSV file, plain or gzip-compressed, into psml's dense schema, each feature multiplied
// by `scale`; a .tsv / .tab name (.gz aside) means tab-delimited unless options.delimiter says
// otherwise. Returns how the file was read (CsvData::notes).
std::vector<std::string> import_csv(const std::string& path, const std::string& out,
                                    const CsvOptions& options, float scale);

}  // namespace psml::data
