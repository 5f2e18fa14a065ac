// Seeded synthetic data sets, written in psml's schema: the same seed gives the same file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "psml/core/rng.hpp"

#include "psml/data/schema.hpp"

namespace psml::data {

struct SyntheticSpec {
  Task task = Task::kClassification;
  std::int64_t rows = 1000;
  std::int64_t features = 10;
  std::int64_t classes = 2;  // classification only
  float separation = 3.0f;   // classification: spread of class centres, in noise std-devs
  float noise = 0.1f;        // regression: std-dev of the noise added to X w + b
  std::uint64_t seed = 1;
  std::int64_t test_rows = 0;  // > 0: also write this many more rows, from the same distribution,
  std::string test_out;        // into this file
  std::int64_t nnz = 0;        // > 0: sparse (CSR) binary classification, this many values per row
  int gzip_level = 4;          // dense files: compression of the chunks (0: none)
};

// Classification: each class a Gaussian blob, centres drawn N(0, separation^2 I), rows drawn
// N(centre, I). Regression: X ~ N(0, I), y = X w + b + noise * N(0, 1) with w, b ~ N(0, 1); the
// true w and b are stored as /true_weights and /true_bias for tests to compare against.
// Sparse (nnz > 0): binary classification in CSR, as click-through data looks: each row has nnz
// distinct columns drawn from a power law (popular columns are seen often), values N(0, 1), and
// label 1 with probability σ(x·w / √nnz) for a hidden w ~ N(0, 4 I).
void write_synthetic(const SyntheticSpec& spec, const std::string& out);

// `nnz` distinct columns of [0, features) into `columns`, sorted, drawn with a power-law
// popularity (u³ of a uniform u puts most draws on the first columns), as click-through data
// looks: the sparse rows of the synthetic files and of generated data (data/generated.hpp).
void draw_popular_columns(Rng& rng, std::int64_t features, std::int64_t nnz,
                          std::vector<std::int64_t>& columns);

}  // namespace psml::data
