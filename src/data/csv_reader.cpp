#include "psml/data/csv_reader.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <memory>
#include <string_view>

#include <zlib.h>

#include "psml/core/error.hpp"
#include "psml/data/csv_records.hpp"
#include "psml/data/dataset_writer.hpp"

namespace psml::data {
namespace {

using Fields = std::vector<std::string_view>;

// A whole field as a double: a number (from_chars refuses a leading '+', so it is skipped here),
// or pandas' True / False for a bool column.
bool parse_number(std::string_view text, double& out) {
  if (text == "True" || text == "False") {
    out = text == "True" ? 1.0 : 0.0;
    return true;
  }
  if (text.size() > 1 && text.front() == '+' && text[1] != '-') text.remove_prefix(1);
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size() && !text.empty();
}

// pandas' default na_values that are not NaN spelled as a number.
bool is_missing(std::string_view text) {
  static constexpr std::array<std::string_view, 10> kMarkers = {
      "", "NA", "N/A", "n/a", "<NA>", "#N/A", "NULL", "null", "None", "#NA"};
  double value = 0;
  return std::find(kMarkers.begin(), kMarkers.end(), text) != kMarkers.end() ||
         (parse_number(text, value) && std::isnan(value));
}

// Fields [from, end) are 0, 1, ..., k-1: the names pandas gives unnamed columns. k >= 3: a first
// line "0,1" is as likely a row (class 0, value 1); the summary says which it was taken for.
bool pandas_column_names(const Fields& fields, std::size_t from) {
  if (fields.size() < from + 3) return false;
  for (std::size_t i = from; i < fields.size(); ++i)
    if (fields[i] != std::to_string(i - from)) return false;
  return true;
}

enum class HeaderKind { kNone, kNames, kPandasNumbers };

HeaderKind detect_header(const Fields& fields, CsvOptions::Header option) {
  if (option == CsvOptions::Header::kNo) return HeaderKind::kNone;
  if (pandas_column_names(fields, 0) || (fields[0].empty() && pandas_column_names(fields, 1)))
    return HeaderKind::kPandasNumbers;
  if (option == CsvOptions::Header::kYes) return HeaderKind::kNames;
  double ignored = 0;
  for (const auto field : fields)
    if (!parse_number(field, ignored) && !is_missing(field)) return HeaderKind::kNames;
  return HeaderKind::kNone;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return text;
}

bool is_row_number(std::string_view field, std::int64_t row) {
  std::int64_t value = -1;
  const auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  return ec == std::errc() && ptr == field.data() + field.size() && value == row;
}

// Which column is what, decided from the first record.
class Columns {
 public:
  Columns(const std::string& source, const Fields& first, HeaderKind header,
          const CsvOptions& options)
      : source_(source), header_(header), width_(static_cast<std::int64_t>(first.size())) {
    if (header != HeaderKind::kNone) names_.assign(first.begin(), first.end());
    dropped_.assign(static_cast<std::size_t>(width_), false);
    // pandas writes its index first, under an empty name: `,a,b,label`.
    if (header != HeaderKind::kNone && names_[0].empty()) index_ = 0;
    for (const auto& ref : options.drop_columns)
      dropped_[static_cast<std::size_t>(find(ref, "--drop-columns"))] = true;
    label_ = choose_label(options.label_column);
    if (dropped_[static_cast<std::size_t>(label_)])
      throw error("--drop-columns: ", describe(label_), " is the label column");
    if (index_ >= 0 && index_ != label_) dropped_[static_cast<std::size_t>(index_)] = true;
    for (std::int64_t c = 0; c < width_; ++c)
      if (c != label_ && !dropped(c)) ++features_;
    if (features_ == 0)
      throw error(source_, ": no feature column is left beside the label, ", describe(label_),
                  " (check --label-column and --drop-columns)");
  }

  std::int64_t width() const { return width_; }
  std::int64_t label() const { return label_; }
  std::int64_t features() const { return features_; }
  std::int64_t index() const { return index_ == label_ ? -1 : index_; }
  bool dropped(std::int64_t c) const { return dropped_[static_cast<std::size_t>(c)]; }

  // "column 2 (b)", or "column 2" in a file without a header.
  std::string describe(std::int64_t c) const { return "column " + number_and_name(c); }
  std::string number_and_name(std::int64_t c) const {
    std::string text = std::to_string(c);
    if (!names_.empty() && !names_[static_cast<std::size_t>(c)].empty())
      text += " (" + names_[static_cast<std::size_t>(c)] + ")";
    return text;
  }

  // How pandas would name the column: df['species'], df[4] (pandas' numbers, or none).
  std::string pandas_key(std::int64_t c) const {
    if (names_.empty()) return std::to_string(c);
    const auto& name = names_[static_cast<std::size_t>(c)];
    return header_ == HeaderKind::kPandasNumbers ? name : "'" + name + "'";
  }

  std::vector<std::int64_t> dropped_list() const {
    std::vector<std::int64_t> list;
    for (std::int64_t c = 0; c < width_; ++c)
      if (dropped(c)) list.push_back(c);
    return list;
  }

  // How each column was chosen, in words; `index_rows`: pandas' index held 0..rows-1.
  std::vector<std::string> notes(std::int64_t rows, bool index_rows) const;

 private:
  std::int64_t find(const std::string& ref, const char* option) const;
  std::int64_t choose_label(const std::string& ref);
  std::int64_t first_kept() const;
  std::string header_list() const;

  const std::string& source_;
  HeaderKind header_;
  std::int64_t width_;
  std::vector<std::string> names_;  // empty without a header
  std::vector<bool> dropped_;
  std::int64_t index_ = -1;
  std::int64_t label_ = 0;
  std::int64_t features_ = 0;
  std::string label_reason_;
};

std::string Columns::header_list() const {
  std::string list;
  for (std::size_t c = 0; c < names_.size() && c < 12; ++c)
    list += (c ? ", " : "") + (names_[c].empty() ? std::string("(no name)") : names_[c]);
  return list + (names_.size() > 12 ? ", ..." : "");
}

std::int64_t Columns::find(const std::string& ref, const char* option) const {
  std::vector<std::int64_t> named;
  for (std::int64_t c = 0; c < static_cast<std::int64_t>(names_.size()); ++c)
    if (names_[static_cast<std::size_t>(c)] == ref) named.push_back(c);
  if (named.size() > 1)
    throw error(option, ": ", source_, " has several columns named '", ref, "' (", named[0],
                " and ", named[1], "): give the column's number");
  if (named.size() == 1) return named[0];
  if (ref == "first") return index_ == 0 ? 1 : 0;
  if (ref == "last") return width_ - 1;
  std::int64_t c = -1;
  const auto [ptr, ec] = std::from_chars(ref.data(), ref.data() + ref.size(), c);
  if (ec == std::errc() && ptr == ref.data() + ref.size() && c >= 0) {
    if (c >= width_)
      throw error(option, ": column ", ref, " is outside ", source_, "'s ", width_, " columns (0..",
                  width_ - 1, ")");
    return c;
  }
  if (names_.empty())
    throw error(option, ": '", ref, "' is not a 0-based column number, first or last (", source_,
                " has no header line, so its columns have no names; --header yes if it has)");
  throw error(option, ": ", source_, " has no column '", ref, "' (its header: ", header_list(),
              "; or give a 0-based column number, first or last)");
}

std::int64_t Columns::first_kept() const {
  for (std::int64_t c = 0; c < width_; ++c)
    if (c != index_ && !dropped(c)) return c;
  throw error(source_, ": every column is dropped (check --drop-columns)");
}

// Without --label-column: a column named as labels usually are, in this order ("x,y,label": the
// label, not the coordinate y), else the first.
std::int64_t Columns::choose_label(const std::string& ref) {
  if (ref == "first") return first_kept();
  if (!ref.empty()) return find(ref, "--label-column");
  for (const char* label_name : {"label", "target", "class", "y"}) {
    std::vector<std::int64_t> named;
    for (std::int64_t c = 0; c < static_cast<std::int64_t>(names_.size()); ++c)
      if (!dropped(c) && lower(names_[static_cast<std::size_t>(c)]) == label_name)
        named.push_back(c);
    if (named.size() > 1)
      throw error(source_, ": ", describe(named[0]), " and ", describe(named[1]),
                  " could each be the label: say which with --label-column");
    if (named.size() == 1) {
      label_reason_ = ", by its name";
      return named[0];
    }
  }
  label_reason_ = ", the first (--label-column picks another)";
  return first_kept();
}

std::vector<std::string> Columns::notes(std::int64_t rows, bool index_rows) const {
  std::vector<std::string> notes;
  if (header_ == HeaderKind::kPandasNumbers)
    notes.emplace_back("header 0.." + std::to_string(width_ - 1 - (index_ >= 0)) +
                       " (pandas column names) skipped");
  else
    notes.emplace_back(header_ == HeaderKind::kNames ? "header skipped" : "no header");
  if (index() >= 0)
    notes.emplace_back("column 0 (no name: pandas' index" +
                       (index_rows ? ", 0.." + std::to_string(rows - 1) : std::string()) +
                       ") dropped");
  std::string left_out;
  std::int64_t count = 0;
  for (const auto c : dropped_list())
    if (c != index()) left_out += (count++ ? ", " : "") + number_and_name(c);
  if (count > 0) notes.push_back((count > 1 ? "columns " : "column ") + left_out + " dropped");
  notes.push_back("label: " + describe(label_) + label_reason_);
  // A named index (index_label="id") or one read back and written again ("Unnamed: 0") is not
  // recognised; said, so that it is seen.
  for (std::int64_t c = 0; c < static_cast<std::int64_t>(names_.size()); ++c) {
    const auto name = lower(names_[static_cast<std::size_t>(c)]);
    if (c != label_ && !dropped(c) &&
        (name == "id" || name == "index" || name.starts_with("unnamed: ")))
      notes.push_back("warning: " + describe(c) +
                      " is read as a feature: an index? (--drop-columns " + std::to_string(c) +
                      " leaves it out)");
  }
  return notes;
}

// The rows of a CSV file, one record at a time, into `data`.
class RowParser {
 public:
  RowParser(const std::string& source, const Columns& columns, Task task, CsvData& data)
      : source_(source), columns_(columns), task_(task), data_(data) {}

  void parse(const Fields& fields, std::int64_t line) {
    line_ = line;
    const auto width = static_cast<std::int64_t>(fields.size());
    if (width != columns_.width())
      throw error(where(), "has ", width, " columns, the first line has ", columns_.width());
    for (std::int64_t c = 0; c < width; ++c) {
      const auto field = fields[static_cast<std::size_t>(c)];
      if (c == columns_.index()) index_rows_ = index_rows_ && is_row_number(field, data_.rows);
      if (columns_.dropped(c)) continue;
      const double value = number(field, c);
      if (c == columns_.label())
        label(field, value);
      else
        data_.x.push_back(static_cast<float>(value));
    }
    ++data_.rows;
  }

  bool index_rows() const { return index_rows_; }
  bool label_rows() const { return label_rows_; }

 private:
  std::string where() const { return source_ + ":" + std::to_string(line_) + ": "; }

  double number(std::string_view field, std::int64_t c) const {
    double value = 0;
    if (parse_number(field, value) && std::isfinite(static_cast<float>(value))) return value;
    refuse(field, c);
  }

  // Why `field` of column c is no number psml takes: missing, text, or not finite.
  [[noreturn]] void refuse(std::string_view field, std::int64_t c) const {
    const auto column = columns_.describe(c);
    if (is_missing(field))
      throw error(where(), column, " is ",
                  field.empty() ? std::string("empty") : detail::concat("'", field, "'"),
                  ", a missing value: psml needs a number in every field (drop or fill such rows "
                  "first, e.g. pandas' dropna() or fillna(), or leave the column out with "
                  "--drop-columns)");
    double value = 0;
    if (parse_number(field, value))
      throw error(where(), column, ": '", field, "' is not finite",
                  std::isfinite(value) ? " as float32" : "");
    if (c == columns_.label() && task_ == Task::kClassification)
      throw error(where(), column, ", the label: '", field,
                  "' is not a number; text labels are not supported yet: map them to class "
                  "ids 0..K-1 first (pandas: df[",
                  columns_.pandas_key(c), "] = df[", columns_.pandas_key(c),
                  "].astype('category').cat.codes) or pick the label with --label-column");
    throw error(where(), column, ": '", field, "' is not a number");
  }

  void label(std::string_view field, double value) {
    if (task_ == Task::kRegression) {
      data_.targets.push_back(static_cast<float>(value));
      return;
    }
    if (value != std::floor(value))
      throw error(where(), "label '", field,
                  "' is not an integer class id (use --task regression for targets)");
    if (value < 0 || value > INT32_MAX)
      throw error(where(), "class id ", field,
                  " is negative or too large (class ids are 0..K-1; map other labels first)");
    const auto id = static_cast<std::int32_t>(value);
    label_rows_ = label_rows_ && id == data_.rows;
    data_.classes.push_back(id);
    data_.num_classes = std::max<std::int64_t>(data_.num_classes, std::int64_t{id} + 1);
  }

  const std::string& source_;
  const Columns& columns_;
  Task task_;
  CsvData& data_;
  std::int64_t line_ = 0;
  bool index_rows_ = true;
  bool label_rows_ = true;
};

// A file read through zlib, as a stream: gzip-compressed (pandas' to_csv("p.csv.gz")) or plain,
// which gzread passes through as it is.
class GzipInput : public std::streambuf {
 public:
  explicit GzipInput(const std::string& path)
      : path_(path), file_(gzopen(path.c_str(), "rb"), gzclose) {
    if (!file_) throw error(path, ": cannot open");
  }

 private:
  int_type underflow() override {
    const int n = gzread(file_.get(), buffer_.data(), static_cast<unsigned>(buffer_.size()));
    int code = Z_OK;
    std::string_view message = gzerror(file_.get(), &code);
    // A cut .gz ends early with Z_BUF_ERROR set: an error, not an end after its last full line.
    if (n < 0 || code != Z_OK) {
      if (message.starts_with(path_ + ": ")) message.remove_prefix(path_.size() + 2);
      throw error(path_, ": cannot read (", message, ")");
    }
    setg(buffer_.data(), buffer_.data(), buffer_.data() + n);
    return n == 0 ? traits_type::eof() : traits_type::to_int_type(buffer_[0]);
  }

  std::string path_;
  std::unique_ptr<gzFile_s, int (*)(gzFile)> file_;
  std::array<char, 1 << 16> buffer_{};
};

}  // namespace

CsvOptions::Header parse_csv_header(const std::string& text) {
  if (text == "auto") return CsvOptions::Header::kAuto;
  if (text == "yes") return CsvOptions::Header::kYes;
  if (text == "no") return CsvOptions::Header::kNo;
  throw error("--header: '", text, "' is not auto, yes or no");
}

CsvData parse_csv(std::istream& in, const std::string& source, const CsvOptions& options) {
  CsvRecords records(in, source, options.delimiter);
  Fields fields;
  if (!records.next(fields))
    throw error(source, ": holds no rows", records.line() == 0 ? " (the file is empty)" : "");
  if (fields.size() < 2)
    throw error(source, ":", records.line(),
                ": has 1 column; a row needs the label and at least one feature (the delimiter "
                "is ",
                records.delimiter() == '\t' ? std::string("tab")
                                            : detail::concat("'", records.delimiter(), "'"),
                ": --delimiter says another)");
  const auto header = detect_header(fields, options.header);
  const Columns columns(source, fields, header, options);
  CsvData data;
  RowParser rows(source, columns, options.task, data);
  if (header == HeaderKind::kNone) rows.parse(fields, records.line());
  while (records.next(fields)) rows.parse(fields, records.line());
  if (data.rows == 0) throw error(source, ": holds no rows");
  data.features = columns.features();
  data.label_column = columns.label();
  data.dropped_columns = columns.dropped_list();
  data.notes = columns.notes(data.rows, rows.index_rows());
  if (records.delimiter() != ',')
    data.notes.insert(data.notes.begin(),
                      records.delimiter() == '\t'
                          ? std::string("tab-separated")
                          : "delimiter '" + std::string(1, records.delimiter()) + "'");
  if (options.task == Task::kClassification) {
    data.num_classes = std::max<std::int64_t>(data.num_classes, 2);
    if (rows.label_rows() && data.rows >= 10)
      data.notes.push_back("warning: the label is 0.." + std::to_string(data.rows - 1) +
                           " in row order, one class per row: an index, not a label?");
  }
  return data;
}

std::vector<std::string> import_csv(const std::string& path, const std::string& out,
                                    const CsvOptions& options, float scale) {
  GzipInput file(path);
  std::istream in(&file);
  in.exceptions(std::ios::badbit);  // a read error is GzipInput's exception, not an end of file
  CsvOptions read = options;
  const std::string name = path.ends_with(".gz") ? path.substr(0, path.size() - 3) : path;
  if (read.delimiter == 0 && (name.ends_with(".tsv") || name.ends_with(".tab")))
    read.delimiter = '\t';
  auto data = parse_csv(in, path, read);
  if (scale != 1.0f)
    for (auto& v : data.x) v *= scale;
  DatasetWriter writer(out, data.rows, data.features, options.task, data.num_classes);
  if (options.task == Task::kClassification)
    writer.write_rows(0, data.x, std::span<const std::int32_t>(data.classes));
  else
    writer.write_rows(0, data.x, std::span<const float>(data.targets));
  return data.notes;
}

}  // namespace psml::data
