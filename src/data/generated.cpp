#include "psml/data/generated.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <random>
#include <string_view>

#include "psml/core/error.hpp"
#include "psml/core/rng.hpp"
#include "psml/data/synthetic.hpp"

namespace psml::data {
namespace {

constexpr std::string_view kScheme = "synthetic:";

std::int64_t parse_count(const std::string& path, std::string_view key, std::string_view text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0)
    throw error(path, ": ", key, "=", text, " is not a non-negative whole number");
  return value;
}

// Row `row`'s own stream: the same row whatever the shard it falls in.
Rng row_rng(const GeneratedSpec& spec, std::int64_t row) {
  return make_rng(spec.seed, RngPurpose::kSynthetic, static_cast<std::uint64_t>(row) + 1);
}

}  // namespace

std::optional<GeneratedSpec> parse_generated(const std::string& path) {
  if (!std::string_view(path).starts_with(kScheme)) return std::nullopt;
  std::map<std::string, std::int64_t, std::less<>> fields;
  std::string_view rest = std::string_view(path).substr(kScheme.size());
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const auto item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const auto equals = item.find('=');
    if (equals == std::string_view::npos)
      throw error(path, ": '", item, "' is not key=value (rows, features, classes, nnz, seed)");
    const auto key = item.substr(0, equals);
    if (key != "rows" && key != "features" && key != "classes" && key != "nnz" && key != "seed")
      throw error(path, ": unknown key '", key, "' (rows, features, classes, nnz, seed)");
    fields[std::string(key)] = parse_count(path, key, item.substr(equals + 1));
  }
  for (const char* key : {"rows", "features"})
    if (!fields.contains(key) || fields[key] < 1)
      throw error(path, ": needs ", key, "=N with N >= 1 (synthetic:rows=R,features=F,...)");
  GeneratedSpec spec;
  spec.rows = fields["rows"];
  spec.features = fields["features"];
  if (fields.contains("nnz")) {
    spec.nnz = fields["nnz"];
    if (spec.nnz < 1 || spec.nnz > spec.features)
      throw error(path, ": nnz=", spec.nnz, " must be between 1 and features=", spec.features);
    if (fields.contains("classes") && fields["classes"] != 2)
      throw error(path,
                  ": sparse generated data (nnz=...) is binary, not classes=", fields["classes"]);
  } else if (fields.contains("classes")) {
    spec.classes = fields["classes"];
    if (spec.classes < 2) throw error(path, ": classes=", spec.classes, " must be at least 2");
  }
  if (fields.contains("seed")) spec.seed = static_cast<std::uint64_t>(fields["seed"]);
  return spec;
}

DatasetInfo describe_generated(const GeneratedSpec& spec, const std::string& path) {
  DatasetInfo info;
  info.path = path;
  info.rows = spec.rows;
  info.features = spec.features;
  info.features_dtype = "float32";
  info.labels_dtype = "int32";
  info.task = Task::kClassification;
  info.num_classes = spec.classes;
  info.sparse = spec.sparse();
  info.nnz = spec.rows * spec.nnz;
  return info;
}

// Class c's rows are N(centre_c, I), the centres N(0, 9 I): separable, as a blob set should be.
Shard generate_shard(const GeneratedSpec& spec, const DatasetInfo& info, RowRange range) {
  Shard shard;
  shard.info = info;
  shard.rows = range;
  shard.x.resize(range.count, spec.features);
  shard.classes.resize(range.count);
  auto centre_rng = make_rng(spec.seed, RngPurpose::kSynthetic, 0);
  std::normal_distribution<float> centre_normal;
  RowMatrix centres(spec.classes, spec.features);
  for (Eigen::Index i = 0; i < centres.size(); ++i)
    centres.data()[i] = 3.0f * centre_normal(centre_rng);
  for (std::int64_t r = 0; r < range.count; ++r) {
    auto rng = row_rng(spec, range.first + r);
    // Its own distribution too: libstdc++'s keeps the spare of each pair of draws, which would
    // carry into the next row.
    std::normal_distribution<float> normal;
    const auto label = static_cast<std::int32_t>(rng() % static_cast<std::uint64_t>(spec.classes));
    shard.classes[r] = label;
    for (std::int64_t f = 0; f < spec.features; ++f)
      shard.x(r, f) = centres(label, f) + normal(rng);
  }
  return shard;
}

// Each row: nnz distinct columns with a power-law popularity (draw_popular_columns), values
// N(0, 1), label 1 when they sum above 0.
SparseShard generate_sparse_shard(const GeneratedSpec& spec, const DatasetInfo& info,
                                  RowRange range) {
  SparseShard shard;
  shard.info = info;
  shard.rows = range;
  shard.classes.resize(range.count);
  shard.x.indices.reserve(static_cast<std::size_t>(range.count * spec.nnz));
  shard.x.values.reserve(static_cast<std::size_t>(range.count * spec.nnz));
  std::vector<std::int64_t> columns;
  for (std::int64_t r = 0; r < range.count; ++r) {
    auto rng = row_rng(spec, range.first + r);
    std::normal_distribution<float> normal;  // the row's own: no spare draw from the last row
    draw_popular_columns(rng, spec.features, spec.nnz, columns);
    float sum = 0;
    for (const auto c : columns) {
      const float v = normal(rng);
      shard.x.indices.push_back(c);
      shard.x.values.push_back(v);
      sum += v;
    }
    shard.x.indptr.push_back(static_cast<std::int64_t>(shard.x.indices.size()));
    shard.classes[r] = sum > 0 ? 1 : 0;
  }
  return shard;
}

}  // namespace psml::data
