#include "psml/data/csv_reader.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <string_view>

#include "psml/core/error.hpp"
#include "psml/data/dataset_writer.hpp"

namespace psml::data {
namespace {

std::string_view trim(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

// The fields of one line, trimmed; views into `line`.
void split(std::string_view line, char delimiter, std::vector<std::string_view>& fields) {
  fields.clear();
  for (;;) {
    const auto end = line.find(delimiter);
    fields.push_back(trim(line.substr(0, end)));
    if (end == std::string_view::npos) return;
    line.remove_prefix(end + 1);
  }
}

// A whole field as a double (from_chars refuses a leading '+', so it is skipped here).
bool parse_number(std::string_view text, double& out) {
  if (text.size() > 1 && text.front() == '+' && text[1] != '-') text.remove_prefix(1);
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size() && !text.empty();
}

bool all_numbers(const std::vector<std::string_view>& fields) {
  double ignored = 0;
  for (const auto field : fields)
    if (!parse_number(field, ignored)) return false;
  return true;
}

}  // namespace

CsvOptions::Header parse_csv_header(const std::string& text) {
  if (text == "auto") return CsvOptions::Header::kAuto;
  if (text == "yes") return CsvOptions::Header::kYes;
  if (text == "no") return CsvOptions::Header::kNo;
  throw error("--header: '", text, "' is not auto, yes or no");
}

CsvData parse_csv(std::istream& in, const std::string& source, const CsvOptions& options) {
  CsvData data;
  std::string line;
  std::vector<std::string_view> fields;
  std::int64_t line_number = 0;
  std::int64_t columns = 0;  // from the first data line (or the header)
  std::int64_t label = 0;
  bool first = true;
  while (std::getline(in, line)) {
    ++line_number;
    const auto where = [&] { return source + ":" + std::to_string(line_number) + ": "; };
    if (trim(line).empty()) continue;
    split(line, options.delimiter, fields);
    const auto width = static_cast<std::int64_t>(fields.size());
    if (first) {
      first = false;
      if (width < 2)
        throw Error(where() + "has 1 column; a row needs the label and at least one feature" +
                    (options.delimiter == ',' ? "" : " (is --delimiter right?)"));
      label = options.label_column < 0 ? width + options.label_column : options.label_column;
      if (label < 0 || label >= width)
        throw Error(where() + "label column " + std::to_string(options.label_column) +
                    " is outside the " + std::to_string(width) + " columns");
      columns = width;
      const bool header = options.header == CsvOptions::Header::kYes ||
                          (options.header == CsvOptions::Header::kAuto && !all_numbers(fields));
      if (header) continue;
    }
    if (width != columns)
      throw Error(where() + "has " + std::to_string(width) + " columns, the first line has " +
                  std::to_string(columns));
    for (std::int64_t c = 0; c < width; ++c) {
      const auto field = fields[static_cast<std::size_t>(c)];
      const auto column = [&] { return "column " + std::to_string(c + 1) + " "; };
      double value = 0;
      if (field.empty()) throw Error(where() + column() + "is empty");
      if (!parse_number(field, value))
        throw Error(where() + column() + "'" + std::string(field) + "' is not a number");
      if (!std::isfinite(value) || (c != label && !std::isfinite(static_cast<float>(value))))
        throw Error(where() + column() + "'" + std::string(field) + "' is not finite" +
                    (std::isfinite(value) ? " as float32" : ""));
      if (c != label) {
        data.x.push_back(static_cast<float>(value));
      } else if (options.task == Task::kRegression) {
        if (!std::isfinite(static_cast<float>(value)))
          throw Error(where() + "label '" + std::string(field) + "' is not finite as float32");
        data.targets.push_back(static_cast<float>(value));
      } else {
        if (value != std::floor(value))
          throw Error(where() + "label '" + std::string(field) +
                      "' is not an integer class id (use --task regression for targets)");
        if (value < 0 || value > INT32_MAX)
          throw Error(where() + "class id " + std::string(field) + " is negative or too large");
        const auto id = static_cast<std::int32_t>(value);
        data.classes.push_back(id);
        data.num_classes = std::max<std::int64_t>(data.num_classes, std::int64_t{id} + 1);
      }
    }
    ++data.rows;
  }
  if (data.rows == 0)
    throw error(source, ": holds no rows", line_number == 0 ? " (the file is empty)" : "");
  data.features = columns - 1;
  data.num_classes =
      options.task == Task::kClassification ? std::max<std::int64_t>(data.num_classes, 2) : 0;
  return data;
}

void import_csv(const std::string& path, const std::string& out, const CsvOptions& options,
                float scale) {
  std::ifstream in(path);
  if (!in) throw error(path, ": cannot open");
  auto data = parse_csv(in, path, options);
  if (scale != 1.0f)
    for (auto& v : data.x) v *= scale;
  DatasetWriter writer(out, data.rows, data.features, options.task, data.num_classes);
  if (options.task == Task::kClassification)
    writer.write_rows(0, data.x, std::span<const std::int32_t>(data.classes));
  else
    writer.write_rows(0, data.x, std::span<const float>(data.targets));
}

}  // namespace psml::data
