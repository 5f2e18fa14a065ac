// Data generated in memory instead of read from a file, named like a file where a data path goes:
//
//   synthetic:rows=60000,features=784,classes=10          dense classification (Gaussian blobs)
//   synthetic:rows=1000000,features=100000000,nnz=100     sparse (CSR) binary classification
//
// (and ",seed=S", default 1). Each row is drawn from its own stream, seeded by (seed, row), so a
// worker generates only its own rows and any number of workers trains on the same data set. For
// runs that must not read a file: the simulation build's thousands of simulated hosts
// (docs/simulation.md), and throughput measurements without a data set at hand.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "psml/data/csr.hpp"
#include "psml/data/row_range.hpp"
#include "psml/data/schema.hpp"
#include "psml/data/shard.hpp"

namespace psml::data {

struct GeneratedSpec {
  std::int64_t rows = 0;
  std::int64_t features = 0;
  std::int64_t classes = 2;  // dense; sparse data is binary
  std::int64_t nnz = 0;      // > 0: sparse, this many values per row
  std::uint64_t seed = 1;

  bool sparse() const { return nnz > 0; }
};

// The spec a data path names, or nothing when it names a file. Throws psml::Error naming the path
// when it starts with "synthetic:" but is not a valid spec.
std::optional<GeneratedSpec> parse_generated(const std::string& path);

// What describe_dataset() gives for a file: path, rows, features, classes, sparse.
DatasetInfo describe_generated(const GeneratedSpec& spec, const std::string& path);

// The rows `range` of the generated data set.
Shard generate_shard(const GeneratedSpec& spec, const DatasetInfo& info, RowRange range);
SparseShard generate_sparse_shard(const GeneratedSpec& spec, const DatasetInfo& info,
                                  RowRange range);

}  // namespace psml::data
