#include "psml/data/csv_records.hpp"

#include "psml/core/error.hpp"

namespace psml::data {

char guess_delimiter(std::string_view first_line) {
  bool quoted = false;
  std::int64_t commas = 0, tabs = 0;
  for (const char c : first_line) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    commas += c == ',';
    tabs += c == '\t';
  }
  return tabs > 0 && commas == 0 ? '\t' : ',';
}

CsvRecords::CsvRecords(std::istream& in, std::string source, char delimiter)
    : in_(in), source_(std::move(source)), delimiter_(delimiter) {}

// The next line into line_, without its \r (a \r\n line end) or, on the first line, a UTF-8
// byte-order mark (Excel's "CSV UTF-8", pandas' encoding="utf-8-sig").
bool CsvRecords::read_line() {
  if (!std::getline(in_, line_)) return false;
  ++line_number_;
  if (line_number_ == 1 && line_.starts_with("\xEF\xBB\xBF")) line_.erase(0, 3);
  if (!line_.empty() && line_.back() == '\r') line_.pop_back();
  return true;
}

bool CsvRecords::next(std::vector<std::string_view>& fields) {
  fields.clear();
  do {
    if (!read_line()) {
      record_line_ = line_number_;
      return false;
    }
  } while (line_.find_first_not_of(delimiter_ == '\t' ? " " : " \t") == std::string::npos);
  if (delimiter_ == 0) delimiter_ = guess_delimiter(line_);
  record_line_ = line_number_;
  text_.clear();
  ends_.clear();
  bool complete = split_from(0, false);
  while (!complete) {
    if (!read_line())
      throw error(source_, ":", record_line_,
                  ": a quoted field begins on this line and is never closed");
    complete = split_from(0, true);
  }
  std::size_t begin = 0;
  for (const auto end : ends_) {
    fields.emplace_back(text_.data() + begin, end - begin);
    begin = end;
  }
  return true;
}

bool CsvRecords::split_from(std::size_t pos, bool in_quotes) {
  const std::string& s = line_;
  const auto blank = [this](char c) { return (c == ' ' || c == '\t') && c != delimiter_; };
  std::size_t i = pos;
  for (;;) {  // one field a turn
    if (!in_quotes) {
      while (i < s.size() && blank(s[i])) ++i;
      if (i < s.size() && s[i] == '"') {
        in_quotes = true;
        ++i;
      } else {  // unquoted: up to the delimiter, trailing blanks aside; a quote inside is text
        const auto end = s.find(delimiter_, i);
        auto last = end == std::string::npos ? s.size() : end;
        while (last > i && blank(s[last - 1])) --last;
        text_.append(s, i, last - i);
        ends_.push_back(text_.size());
        if (end == std::string::npos) return true;
        i = end + 1;
        continue;
      }
    }
    for (;;) {  // inside quotes: "" is one quote; a line end is part of the field
      const auto quote = s.find('"', i);
      if (quote == std::string::npos) {
        text_.append(s, i);
        text_ += '\n';
        return false;
      }
      text_.append(s, i, quote - i);
      i = quote + 1;
      if (i < s.size() && s[i] == '"') {
        text_ += '"';
        ++i;
        continue;
      }
      break;
    }
    in_quotes = false;
    ends_.push_back(text_.size());
    while (i < s.size() && blank(s[i])) ++i;
    if (i == s.size()) return true;
    if (s[i] != delimiter_)
      throw error(source_, ":", line_number_, ": '", s[i],
                  "' follows a closing quote (a quote inside a quoted field is written twice)");
    ++i;
  }
}

}  // namespace psml::data
