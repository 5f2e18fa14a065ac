#include "psml/data/libsvm_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>

#include "psml/core/error.hpp"

namespace psml::data {
namespace {

template <class T>
bool parse_number(std::string_view text, T& out) {
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

LibsvmData parse_libsvm(std::istream& in, const std::string& source, bool zero_based,
                        int label_base) {
  LibsvmData data;
  std::vector<std::int64_t> labels;
  std::string line;
  std::int64_t line_number = 0;
  const std::int64_t first_index = zero_based ? 0 : 1;
  while (std::getline(in, line)) {
    ++line_number;
    const auto where = [&] { return source + ":" + std::to_string(line_number) + ": "; };
    std::string_view text(line);
    if (const auto hash = text.find('#'); hash != std::string_view::npos)
      text = text.substr(0, hash);
    std::size_t pos = 0;
    const auto next_token = [&]() -> std::string_view {
      while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\r'))
        ++pos;
      const auto start = pos;
      while (pos < text.size() && text[pos] != ' ' && text[pos] != '\t' && text[pos] != '\r') ++pos;
      return text.substr(start, pos - start);
    };
    auto token = next_token();
    if (token.empty()) continue;  // blank or comment line
    if (token.front() == '+') token.remove_prefix(1);
    std::int64_t label = 0;
    if (!parse_number(token, label))
      throw Error(where() + "label '" + std::string(token) + "' is not an integer class id");
    labels.push_back(label);
    std::int64_t previous = -1;
    for (token = next_token(); !token.empty(); token = next_token()) {
      const auto colon = token.find(':');
      std::int64_t index = 0;
      float value = 0;
      if (colon == std::string_view::npos || !parse_number(token.substr(0, colon), index) ||
          !parse_number(token.substr(colon + 1), value))
        throw Error(where() + "'" + std::string(token) + "' is not index:value");
      if (index < first_index)
        throw Error(where() + "index " + std::to_string(index) + " is below " +
                    std::to_string(first_index) + (zero_based ? "" : " (indices are 1-based)"));
      const std::int64_t column = index - first_index;
      if (column <= previous)
        throw Error(where() + "indices must increase along a line (" + std::to_string(index) +
                    " follows " + std::to_string(previous + first_index) + ")");
      if (!std::isfinite(value))
        throw Error(where() + "value of index " + std::to_string(index) + " is not finite");
      previous = column;
      data.x.indices.push_back(column);
      data.x.values.push_back(value);
      data.num_features = std::max(data.num_features, column + 1);
    }
    data.x.indptr.push_back(static_cast<std::int64_t>(data.x.indices.size()));
  }
  if (labels.empty()) throw error(source, ": holds no rows");
  if (label_base < 0 && label_base != kAutoLabels && label_base != kPlusMinusOne)
    throw error(source, ": label base ", label_base, " is not 0 or more, auto or pm1");
  if (label_base == kAutoLabels) {
    const bool plus_minus_one =
        std::all_of(labels.begin(), labels.end(), [](std::int64_t l) { return l == -1 || l == 1; });
    label_base = plus_minus_one                                         ? kPlusMinusOne
                 : *std::min_element(labels.begin(), labels.end()) >= 1 ? 1
                                                                        : 0;
  }
  data.label_base = label_base;
  for (const auto l : labels) {
    if (label_base == kPlusMinusOne && l != -1 && l != 1)
      throw error(source, ": label ", l, " is not -1 or +1 (--label-base pm1)");
    if (label_base != kPlusMinusOne && (l < label_base || l - label_base > INT32_MAX))
      throw error(source, ": label ", l, " is below the label base ", label_base, " or too large");
    const std::int64_t id = label_base == kPlusMinusOne ? (l + 1) / 2 : l - label_base;
    data.classes.push_back(static_cast<std::int32_t>(id));
    data.num_classes = std::max(data.num_classes, id + 1);
  }
  data.num_classes = std::max<std::int64_t>(data.num_classes, 2);
  return data;
}

std::string import_libsvm(const std::string& path, const std::string& out, bool zero_based,
                          std::int64_t features, int label_base) {
  std::ifstream in(path);
  if (!in) throw error(path, ": cannot open");
  auto data = parse_libsvm(in, path, zero_based, label_base);
  if (features > 0 && features < data.num_features)
    throw error(path, ": has column ", data.num_features - 1, ", beyond --features ", features);
  CsrWriter writer(out, data.x.rows(), features > 0 ? features : data.num_features,
                   static_cast<std::int64_t>(data.x.indices.size()), data.num_classes);
  writer.append(data.x, data.classes);
  if (data.label_base == kPlusMinusOne) return "labels -1 / +1 became class ids 0 / 1";
  return detail::concat("labels ", data.label_base, "..", data.label_base + data.num_classes - 1,
                        " became class ids 0..", data.num_classes - 1, " (--label-base ",
                        data.label_base, ": give the same to the files that go with it)");
}

}  // namespace psml::data
