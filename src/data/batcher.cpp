#include "psml/data/batcher.hpp"

#include <algorithm>

#include "psml/core/error.hpp"
#include "psml/core/rng.hpp"

namespace psml::data {
// Distinct per rank, and never the global order's.
std::uint64_t Batcher::local_seed(std::uint64_t seed, int rank) {
  return mix64(seed ^ mix64(0x6c6f63616cULL + static_cast<std::uint64_t>(rank)));
}

std::string to_string(BatchOrder order) {
  return order == BatchOrder::kGlobal ? "global" : "local";
}

Batcher::Batcher(std::int64_t global_rows, RowRange local, std::int64_t global_batch,
                 std::uint64_t seed, BatchOrder order, int rank)
    : rows_(global_rows),
      local_(local),
      batch_(global_batch),
      steps_((global_rows + global_batch - 1) / global_batch),
      seed_(seed),
      order_kind_(order),
      rank_(rank),
      order_(1, seed, 0) {
  if (global_batch < 1) throw error("--batch must be >= 1, got ", global_batch);
  begin_epoch(0);
}

std::int64_t Batcher::max_local_rows() const {
  if (order_kind_ == BatchOrder::kGlobal) return std::min(batch_, local_.count);
  return (local_.count + steps_ - 1) / steps_;
}

void Batcher::set_window_order(const WindowOrder& windows) {
  if (order_kind_ != BatchOrder::kLocal)
    throw error("--data-memory streams in --batch-order local only");
  if (windows.rows() != local_.count)
    throw error("internal: a window order of ", windows.rows(), " rows for a shard of ",
                local_.count);
  windows_ = windows;
}

void Batcher::begin_epoch(std::int64_t epoch) {
  if (windows_) {
    windows_->begin_epoch(epoch);
    return;
  }
  order_ = order_kind_ == BatchOrder::kGlobal ? EpochOrder(rows_, seed_, epoch)
                                              : EpochOrder(std::max<std::int64_t>(local_.count, 1),
                                                           local_seed(seed_, rank_), epoch);
}

void Batcher::local_rows(std::int64_t step, std::vector<std::int64_t>& out) const {
  out.clear();
  if (order_kind_ == BatchOrder::kLocal) {
    // Positions [step·m/S, (step+1)·m/S) of this shard's own order.
    const std::int64_t m = local_.count;
    for (std::int64_t i = step * m / steps_; i < (step + 1) * m / steps_; ++i)
      out.push_back(windows_ ? (*windows_)(i) : order_(i));
    return;
  }
  const std::int64_t end = std::min(rows_, (step + 1) * batch_);
  for (std::int64_t i = step * batch_; i < end; ++i) {
    const std::int64_t row = order_(i);
    if (local_.contains(row)) out.push_back(row - local_.first);
  }
}

}  // namespace psml::data
