// The records of delimited text as pandas' to_csv and spreadsheets write it (RFC 4180): fields
// split at the delimiter, quoted fields unquoted ("a,b" and doubled quotes, lines inside quotes),
// a UTF-8 byte-order mark and \r\n line ends dropped. What the fields mean is csv_reader's concern.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace psml::data {

// The delimiter of a first line: tab when it holds tabs and no commas outside quotes, else ','.
char guess_delimiter(std::string_view first_line);

class CsvRecords {
 public:
  // `source` names the input in errors; delimiter 0: guessed from the first line.
  CsvRecords(std::istream& in, std::string source, char delimiter);

  // Reads the next record that is not a blank line into `fields` (trimmed of spaces, and tabs
  // when tab is not the delimiter; views valid until the next call). False at the end of input.
  bool next(std::vector<std::string_view>& fields);

  // The line the last record began on, 1-based; after the end, the number of lines read.
  std::int64_t line() const { return record_line_; }
  char delimiter() const { return delimiter_; }

 private:
  bool read_line();
  // Splits line_ from `pos` onwards into text_ / ends_; false while a quoted field is still open
  // at the end of the line (its text continues on the next).
  bool split_from(std::size_t pos, bool in_quotes);

  std::istream& in_;
  std::string source_;
  char delimiter_;
  std::string line_;
  std::string text_;               // the record's unquoted fields, one after the other
  std::vector<std::size_t> ends_;  // where each field ends in text_
  std::int64_t line_number_ = 0;
  std::int64_t record_line_ = 0;
};

}  // namespace psml::data
