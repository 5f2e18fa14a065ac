#include "psml/data/label_mapping.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <utility>

#include "psml/core/error.hpp"

namespace psml::data {
namespace {

constexpr std::int64_t kPiece = 1 << 20;  // labels read at a time
// More distinct labels than this are not classes (a regression target, an id column).
constexpr std::size_t kMaxNamedClasses = 1 << 16;
constexpr double kLargestWhole = 9007199254740992.0;  // 2^53: every integer below is a double

std::string quoted(const std::string& text) {
  return "'" + text + "'";
}

// "a, b, c" of the first and last few of `items`, with "..." between when there are many.
template <class Item, class Text>
std::string some_of(const std::vector<Item>& items, Text text) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items.size() > 12 && i == 6) {
      out += ", ...";
      i = items.size() - 3;
    }
    out += (out.empty() ? "" : ", ") + text(items[i]);
  }
  return out;
}

// "y.h5: labels 'cat', 'dog' read as classes 0, 1": said once, so that a user sees which
// output is which of their labels.
std::string mapping_note(const std::string& file, const std::vector<std::string>& names,
                         bool strings, const char* what = "labels") {
  std::vector<std::int64_t> ids(names.size());
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<std::int64_t>(i);
  return file + ": " + what + " " +
         some_of(names, [&](const std::string& n) { return strings ? quoted(n) : n; }) +
         " read as classes " + some_of(ids, [](std::int64_t i) { return std::to_string(i); });
}

// "warning: train.h5: class 3 of 10 has no rows" for the ids in [0, classes) no row has (the
// first dozen of them named).
void warn_empty(const std::string& file, const std::map<std::int64_t, std::int64_t>& counts,
                std::int64_t classes, std::vector<std::string>& notes) {
  std::int64_t held = 0;
  for (const auto& entry : counts) held += entry.first >= 0 && entry.first < classes ? 1 : 0;
  const std::int64_t missing = classes - held;
  if (missing == 0) return;
  std::string named;
  std::int64_t shown = 0;
  for (std::int64_t c = 0; c < classes && shown < 12; ++c)
    if (!counts.contains(c)) named += (shown++ ? ", " : "") + std::to_string(c);
  if (missing > shown) named += " and " + std::to_string(missing - shown) + " more";
  notes.push_back(detail::concat("warning: ", file, ": class", missing > 1 ? "es " : " ", named,
                                 " of ", classes, missing > 1 ? " have" : " has",
                                 " no rows (a model still gives them outputs)"));
}

LabelClasses string_classes(const h5::Dataset& labels, std::int64_t rows, const std::string& file) {
  std::map<std::string, std::int64_t> counts;
  for (std::int64_t first = 0; first < rows; first += kPiece) {
    const auto n = std::min(kPiece, rows - first);
    for (auto& text : labels.read_strings(static_cast<hsize_t>(first), static_cast<hsize_t>(n)))
      ++counts[std::move(text)];
    if (counts.size() > kMaxNamedClasses)
      throw error(labels.where(), ": holds more than ", kMaxNamedClasses,
                  " distinct labels: not classes");
  }
  LabelClasses c;
  for (const auto& [name, count] : counts) c.names.push_back(name);
  c.num_classes = static_cast<std::int64_t>(c.names.size());
  c.notes.push_back(mapping_note(file, c.names, true));
  return c;
}

}  // namespace

std::vector<std::int64_t> read_whole_labels(const h5::Dataset& labels, RowRange range) {
  const auto first = static_cast<hsize_t>(range.first);
  const auto count = static_cast<hsize_t>(range.count);
  std::vector<std::int64_t> out(count);
  if (labels.type_class() != h5::TypeClass::kFloat) {
    // Read as int64, so that ids beyond int32 are reported rather than wrapped.
    labels.read_rows<std::int64_t>(first, count, out);
    return out;
  }
  std::vector<double> values(count);
  labels.read_rows<double>(first, count, values);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double v = values[i];
    if (!(std::abs(v) < kLargestWhole) || v != std::floor(v))
      throw error(labels.where(), ": row ", range.first + static_cast<std::int64_t>(i),
                  " has label ", v,
                  ", not a class: a classifier needs whole-number or string labels (a file of "
                  "measured values is a regression set)");
    out[i] = static_cast<std::int64_t>(v);
  }
  return out;
}

LabelClasses find_classes(const h5::Dataset& labels, std::optional<std::int64_t> declared) {
  const auto rows = static_cast<std::int64_t>(labels.dims().at(0));
  const std::string& file = labels.file();
  const auto form = labels.type_class();
  if (form == h5::TypeClass::kBool) {
    LabelClasses c{2, {"False", "True"}, {}};
    c.notes.push_back(mapping_note(file, c.names, false));
    return c;
  }
  if (form == h5::TypeClass::kString) return string_classes(labels, rows, file);
  if (rows == 0) return {};
  std::map<std::int64_t, std::int64_t> counts;
  for (std::int64_t first = 0; first < rows; first += kPiece) {
    const RowRange piece{first, std::min(kPiece, rows - first)};
    const auto values = read_whole_labels(labels, piece);
    for (std::size_t i = 0; i < values.size(); ++i) {
      const auto v = values[i];
      if (declared && (v < 0 || v >= *declared))
        throw error(labels.where(), ": row ", first + static_cast<std::int64_t>(i),
                    " has class id ", v, ", outside [0, ", *declared, ")");
      ++counts[v];
    }
    if (!declared && counts.begin()->first != 0 && counts.size() > kMaxNamedClasses)
      throw error(labels.where(), ": holds more than ", kMaxNamedClasses,
                  " distinct labels: not classes");
  }
  LabelClasses c;
  const bool floats = form == h5::TypeClass::kFloat;
  if (declared || counts.begin()->first == 0) {
    // Ids as they are: the classes any model trained on them knows, in every other file.
    if (counts.rbegin()->first > INT32_MAX)
      throw error(labels.where(), ": holds class id ", counts.rbegin()->first,
                  ", outside [0, 2^31)");
    c.num_classes = declared ? *declared : counts.rbegin()->first + 1;
    if (floats && c.num_classes <= 12) {
      std::vector<std::string> ids;
      for (std::int64_t id = 0; id < c.num_classes; ++id) ids.push_back(std::to_string(id));
      c.notes.push_back(mapping_note(file, ids, false, "float labels"));
    } else if (floats) {
      c.notes.push_back(detail::concat(file, ": float labels 0 .. ", c.num_classes - 1,
                                       " read as classes 0 .. ", c.num_classes - 1));
    }
    warn_empty(file, counts, c.num_classes, c.notes);
    return c;
  }
  for (const auto& [value, count] : counts) c.names.push_back(std::to_string(value));
  c.num_classes = static_cast<std::int64_t>(c.names.size());
  c.notes.push_back(mapping_note(file, c.names, false));
  return c;
}

ClassLookup::ClassLookup(std::vector<std::string> names) : names_(std::move(names)) {
  const auto& n = names_;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const auto id = static_cast<std::int32_t>(i);
    by_text_.emplace(n[i], id);
    std::int64_t value = 0;
    const auto* end = n[i].data() + n[i].size();
    if (const auto [p, ec] = std::from_chars(n[i].data(), end, value);
        ec == std::errc() && p == end)
      by_value_.emplace(value, id);
  }
}

std::int32_t ClassLookup::id(const std::string& text) const {
  const auto it = by_text_.find(text);
  return it == by_text_.end() ? -1 : it->second;
}

std::int32_t ClassLookup::id(std::int64_t value) const {
  const auto it = by_value_.find(value);
  return it == by_value_.end() ? -1 : it->second;
}

std::string ClassLookup::describe() const {
  return some_of(names_, quoted);
}

}  // namespace psml::data
