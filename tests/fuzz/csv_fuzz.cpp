// CSV text under every option: it must parse into a consistent table or fail with psml::Error.
// The first byte picks the options (header mode, label column, task, delimiter: ',' or guessed),
// the second a column to drop (by name "a" or number 0..2, or none).
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "psml/core/error.hpp"
#include "psml/data/csv_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  using psml::data::CsvOptions;
  CsvOptions options;
  const std::uint8_t pick = data[0];
  options.header = static_cast<CsvOptions::Header>(pick % 3);
  static const char* const kLabels[] = {"", "first", "last", "1", "label", "b"};
  options.label_column = kLabels[(pick >> 2) % 6];
  options.task =
      (pick >> 5) & 1 ? psml::data::Task::kRegression : psml::data::Task::kClassification;
  options.delimiter = (pick >> 6) & 1 ? ',' : 0;
  static const char* const kDrops[] = {"a", "0", "2"};
  if (data[1] % 4 < 3) options.drop_columns = {kDrops[data[1] % 4]};
  std::istringstream in(std::string(reinterpret_cast<const char*>(data) + 2, size - 2));
  try {
    const auto table = psml::data::parse_csv(in, "fuzz.csv", options);
    const auto labels =
        options.task == psml::data::Task::kRegression ? table.targets.size() : table.classes.size();
    if (table.rows <= 0 || table.features <= 0 ||
        table.x.size() != static_cast<std::size_t>(table.rows * table.features) ||
        labels != static_cast<std::size_t>(table.rows) || table.notes.empty())
      __builtin_trap();
  } catch (const psml::Error&) {
  }
  return 0;
}
