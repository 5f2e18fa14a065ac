#include "psml/data/window_order.hpp"

#include <algorithm>

#include "psml/core/error.hpp"
#include "psml/core/rng.hpp"

namespace psml::data {
namespace {

// Distinct streams: the chunk order, and each window's row order, never the batcher's.
constexpr std::uint64_t kChunks = 0x6368756e6b73ULL, kWindow = 0x77696e646f77ULL;

}  // namespace

WindowOrder::WindowOrder(std::int64_t rows, std::int64_t chunk_rows, std::int64_t window_chunks,
                         std::uint64_t seed)
    : rows_(rows),
      chunks_(std::max<std::int64_t>(1, rows / std::max<std::int64_t>(chunk_rows, 1))),
      window_chunks_(std::clamp<std::int64_t>(window_chunks, 1, chunks_)),
      seed_(seed) {
  if (rows < 1) throw error("a streamed shard needs at least one row");
}

RowRange WindowOrder::chunk(std::int64_t c) const {
  const std::int64_t first = c * rows_ / chunks_;
  return {first, (c + 1) * rows_ / chunks_ - first};
}

std::int64_t WindowOrder::chunk_of_row(std::int64_t row) const {
  std::int64_t c = row * chunks_ / rows_;
  while (chunk(c).end() <= row) ++c;
  while (chunk(c).first > row) --c;
  return c;
}

std::int64_t WindowOrder::chunk_at(std::int64_t epoch, std::int64_t k) const {
  return EpochOrder(chunks_, mix64(seed_ ^ kChunks), epoch)(k);
}

void WindowOrder::begin_epoch(std::int64_t epoch) {
  epoch_ = epoch;
  const auto k_count = static_cast<std::size_t>(chunks_);
  chunk_of_slot_.resize(k_count);
  slot_of_chunk_.resize(k_count);
  first_position_.resize(k_count + 1);
  const EpochOrder order(chunks_, mix64(seed_ ^ kChunks), epoch);
  first_position_[0] = 0;
  for (std::size_t k = 0; k < k_count; ++k) {
    const std::int64_t c = order(static_cast<std::int64_t>(k));
    chunk_of_slot_[k] = c;
    slot_of_chunk_[static_cast<std::size_t>(c)] = static_cast<std::int64_t>(k);
    first_position_[k + 1] = first_position_[k] + chunk(c).count;
  }
}

std::int64_t WindowOrder::operator()(std::int64_t position) const {
  // The window holding the position, then the position's place in the window's own order.
  const auto slot = static_cast<std::int64_t>(
      std::upper_bound(first_position_.begin(), first_position_.end(), position) -
      first_position_.begin() - 1);
  const std::int64_t window = slot / window_chunks_;
  const std::int64_t first_slot = window * window_chunks_;
  const std::int64_t last_slot = std::min(chunks_, first_slot + window_chunks_);
  const std::int64_t window_first = first_position_[static_cast<std::size_t>(first_slot)];
  const std::int64_t window_rows =
      first_position_[static_cast<std::size_t>(last_slot)] - window_first;
  const std::int64_t shuffled =
      window_first + EpochOrder(window_rows,
                                mix64(seed_ ^ kWindow ^ mix64(static_cast<std::uint64_t>(window))),
                                epoch_)(position - window_first);
  const auto at = std::upper_bound(first_position_.begin() + first_slot,
                                   first_position_.begin() + last_slot + 1, shuffled) -
                  1;
  const auto k = static_cast<std::size_t>(at - first_position_.begin());
  return chunk(chunk_of_slot_[k]).first + (shuffled - *at);
}

}  // namespace psml::data
