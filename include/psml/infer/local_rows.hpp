// This rank's rows of a data file, dense or CSR, with their labels, as predictors take them: the
// source every prediction walk reads blocks from.
#pragma once

#include <cstdint>
#include <span>
#include <variant>

#include "psml/comm/communicator.hpp"
#include "psml/data/csr.hpp"
#include "psml/data/row_blocks.hpp"
#include "psml/data/shard.hpp"
#include "psml/infer/predictor.hpp"

namespace psml::infer {

class LocalRows {
 public:
  explicit LocalRows(data::Shard shard) : rows_(std::move(shard)) {}
  explicit LocalRows(data::SparseShard shard) : rows_(std::move(shard)) {}

  const data::DatasetInfo& info() const;
  data::RowRange range() const;  // which rows of the file this rank holds
  std::int64_t count() const { return range().count; }

  // Rows [first, first + count) of this rank's, for a predictor.
  RowBlock block(std::int64_t first, std::int64_t count) const;
  // Their labels (empty where the file has none of that kind).
  std::span<const std::int32_t> classes(std::int64_t first, std::int64_t count) const;
  std::span<const float> targets(std::int64_t first, std::int64_t count) const;

  // The dense rows, if these are (the fitted models' prediction files copy their labels).
  const data::Shard* dense() const { return std::get_if<data::Shard>(&rows_); }

 private:
  std::variant<data::Shard, data::SparseShard> rows_;
};

// Reads this rank's balanced share of the rows of the file `info` describes (dense or CSR).
// Throws psml::Error naming the file when it has fewer rows than there are ranks.
LocalRows read_local_rows(const data::DatasetInfo& info, const comm::Communicator& world);

// Calls f(first, count, predictions) for each block of `block` of this rank's rows, in order,
// `first` counted in this rank's rows: the one walk of a predictor over a data file.
template <class F>
void predict_blocks(Predictor& predictor, const LocalRows& rows, std::int64_t block, F&& f) {
  Predictions out;
  data::for_each_row_block(
      rows.count(),
      [&](std::int64_t first, std::int64_t n) {
        predictor.predict(rows.block(first, n), out);
        f(first, n, static_cast<const Predictions&>(out));
      },
      block);
}

}  // namespace psml::infer
