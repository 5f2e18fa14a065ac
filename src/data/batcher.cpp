#include "psml/data/batcher.hpp"

#include <algorithm>

#include "psml/core/error.hpp"

namespace psml::data {

Batcher::Batcher(std::int64_t global_rows, RowRange local, std::int64_t global_batch,
                 std::uint64_t seed)
    : rows_(global_rows),
      local_(local),
      batch_(global_batch),
      steps_((global_rows + global_batch - 1) / global_batch),
      seed_(seed),
      order_(global_rows, seed, 0) {
  if (global_batch < 1) throw error("--batch must be >= 1, got ", global_batch);
}

void Batcher::begin_epoch(std::int64_t epoch) {
  order_ = EpochOrder(rows_, seed_, epoch);
}

void Batcher::local_rows(std::int64_t step, std::vector<std::int64_t>& out) const {
  out.clear();
  const std::int64_t end = std::min(rows_, (step + 1) * batch_);
  for (std::int64_t i = step * batch_; i < end; ++i) {
    const std::int64_t row = order_(i);
    if (local_.contains(row)) out.push_back(row - local_.first);
  }
}

}  // namespace psml::data
