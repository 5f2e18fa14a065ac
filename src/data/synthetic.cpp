#include "psml/data/synthetic.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <random>
#include <vector>

#include "psml/core/atomic_file.hpp"
#include "psml/core/error.hpp"
#include "psml/core/rng.hpp"
#include "psml/data/csr.hpp"
#include "psml/data/dataset_writer.hpp"

namespace psml::data {

namespace {

// One output file and its rows: the test file continues the training file's random stream.
struct Part {
  std::string path;
  std::int64_t rows;
};

void write_sparse_synthetic(const SyntheticSpec& spec, const std::vector<Part>& parts) {
  if (spec.nnz > spec.features)
    throw error("--nnz ", spec.nnz, " is more than the ", spec.features, " --features");
  auto rng = make_rng(spec.seed, RngPurpose::kSynthetic);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  // The hidden weights, one per column, drawn when first needed: a column's weight is a pure
  // function of (seed, column), so no dense vector of all columns is ever held.
  const auto weight = [&](std::int64_t column) {
    const auto key =
        derive_seed(spec.seed, RngPurpose::kSynthetic, static_cast<std::uint64_t>(column) + 1);
    const double u1 = (static_cast<double>(key >> 11) + 0.5) * 0x1.0p-53;  // (0, 1)
    const double u2 = static_cast<double>(mix64(key) >> 11) * 0x1.0p-53;
    return static_cast<float>(2.0 * std::sqrt(-2.0 * std::log(u1)) *
                              std::cos(2.0 * std::numbers::pi * u2));
  };
  const std::int64_t block_rows = std::max<std::int64_t>(1, (1 << 20) / spec.nnz);
  CsrRows block;
  std::vector<std::int32_t> classes;
  std::vector<std::int64_t> columns;
  const float scale = 1.0f / std::sqrt(static_cast<float>(spec.nnz));
  for (const auto& part : parts) {
    CsrWriter writer(part.path, part.rows, spec.features, part.rows * spec.nnz, 2);
    for (std::int64_t first = 0; first < part.rows; first += block_rows) {
      const std::int64_t n = std::min(block_rows, part.rows - first);
      block = CsrRows{};
      classes.clear();
      for (std::int64_t r = 0; r < n; ++r) {
        draw_popular_columns(rng, spec.features, spec.nnz, columns);
        float margin = 0;
        for (const auto c : columns) {
          const float v = normal(rng);
          block.indices.push_back(c);
          block.values.push_back(v);
          margin += v * weight(c);
        }
        block.indptr.push_back(static_cast<std::int64_t>(block.indices.size()));
        const double p = 1.0 / (1.0 + std::exp(-static_cast<double>(margin * scale)));
        classes.push_back(uniform(rng) < p ? 1 : 0);
      }
      writer.append(block, classes);
    }
  }
}

void write_dense_synthetic(const SyntheticSpec& spec, const std::vector<Part>& parts) {
  if (spec.features < 1) throw error("--features must be >= 1, got ", spec.features);
  if (spec.task == Task::kClassification && spec.classes < 2)
    throw error("--classes must be >= 2, got ", spec.classes);
  auto rng = make_rng(spec.seed, RngPurpose::kSynthetic);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const auto d = static_cast<std::size_t>(spec.features);

  // Class centres, or the true regression weights (last entry: bias).
  const std::size_t centres = spec.task == Task::kClassification ? spec.classes : 1;
  std::vector<float> centre(centres * d + 1);
  for (auto& v : centre)
    v = normal(rng) * (spec.task == Task::kClassification ? spec.separation : 1.0f);
  std::uniform_int_distribution<std::int32_t> pick(0, static_cast<std::int32_t>(spec.classes) - 1);

  for (const auto& part : parts) {
    DatasetWriter writer(part.path, part.rows, spec.features, spec.task, spec.classes,
                         spec.gzip_level);
    const std::int64_t block_rows = std::max<std::int64_t>(1, (1 << 20) / spec.features);
    std::vector<float> x;
    std::vector<std::int32_t> classes;
    std::vector<float> targets;
    for (std::int64_t first = 0; first < part.rows; first += block_rows) {
      const std::int64_t n = std::min(block_rows, part.rows - first);
      x.resize(static_cast<std::size_t>(n) * d);
      classes.resize(static_cast<std::size_t>(n));
      targets.resize(static_cast<std::size_t>(n));
      for (std::int64_t r = 0; r < n; ++r) {
        float* row = x.data() + r * spec.features;
        if (spec.task == Task::kClassification) {
          const std::int32_t c = pick(rng);
          classes[r] = c;
          for (std::size_t j = 0; j < d; ++j) row[j] = centre[c * d + j] + normal(rng);
        } else {
          float y = centre[d];
          for (std::size_t j = 0; j < d; ++j) {
            row[j] = normal(rng);
            y += row[j] * centre[j];
          }
          targets[r] = y + spec.noise * normal(rng);
        }
      }
      if (spec.task == Task::kClassification)
        writer.write_rows(first, x, classes);
      else
        writer.write_rows(first, x, targets);
    }
    if (spec.task == Task::kRegression) {
      const auto w = writer.file().create_dataset<float>("true_weights", {d}, {}, 0);
      w.write_rows<float>(0, d, {centre.data(), d});
      const auto b = writer.file().create_dataset<float>("true_bias", {1}, {}, 0);
      b.write_rows<float>(0, 1, {centre.data() + d, 1});
    }
  }
}

}  // namespace

void draw_popular_columns(Rng& rng, std::int64_t features, std::int64_t nnz,
                          std::vector<std::int64_t>& columns) {
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  columns.clear();
  while (static_cast<std::int64_t>(columns.size()) < nnz) {
    const double u = uniform(rng);
    columns.push_back(std::min(
        features - 1, static_cast<std::int64_t>(u * u * u * static_cast<double>(features))));
    if (static_cast<std::int64_t>(columns.size()) == nnz) {
      std::sort(columns.begin(), columns.end());
      columns.erase(std::unique(columns.begin(), columns.end()), columns.end());
    }
  }
}

void write_synthetic(const SyntheticSpec& spec, const std::string& out) {
  if (spec.rows < 1) throw error("--rows must be >= 1, got ", spec.rows);
  if (spec.test_rows < 0) throw error("--test-rows must be >= 0, got ", spec.test_rows);
  if (spec.test_rows > 0 && spec.test_out.empty()) throw error("--test-rows needs --test-out");
  // Each file appears under its name only once both are complete (core/atomic_file.hpp).
  std::vector<std::string> finals{out};
  if (spec.test_rows > 0) finals.push_back(spec.test_out);
  std::vector<Part> parts{{temporary_path_for(out), spec.rows}};
  if (spec.test_rows > 0) parts.push_back({temporary_path_for(spec.test_out), spec.test_rows});
  try {
    if (spec.nnz > 0)
      write_sparse_synthetic(spec, parts);
    else
      write_dense_synthetic(spec, parts);
    for (std::size_t i = 0; i < parts.size(); ++i) publish_file(parts[i].path, finals[i]);
  } catch (...) {
    for (const auto& part : parts) std::remove(part.path.c_str());
    throw;
  }
}

}  // namespace psml::data
