// The order in which a rank streams its shard when the shard does not fit in memory
// (`--data-memory`, data/streaming_shard.hpp): the shard is cut into K chunks of consecutive rows
// (sizes differ by at most one row); each epoch reads the chunks in a seeded random order, W at
// a time (a window), and visits the rows of each window in a seeded random order of their own.
// Every row is visited once per epoch; rows only mix within a window, so the larger the memory
// budget, the closer this is to a full shuffle (tf.data's shuffle buffer and WebDataset's
// shard shuffling make the same trade).
//
// Positions are the shard's epoch order as the batcher walks it (batcher.hpp, --batch-order
// local): step s takes positions [s·m/S, (s+1)·m/S). A step's rows lie in at most two
// consecutive windows when every chunk holds at least a step's share of rows.
#pragma once

#include <cstdint>
#include <vector>

#include "psml/data/epoch_order.hpp"
#include "psml/data/row_range.hpp"

namespace psml::data {

class WindowOrder {
 public:
  // `rows` of this shard in chunks of at least `chunk_rows` rows (one chunk if there are fewer),
  // `window_chunks` chunks per window; `seed` is this rank's order seed.
  WindowOrder(std::int64_t rows, std::int64_t chunk_rows, std::int64_t window_chunks,
              std::uint64_t seed);

  std::int64_t rows() const { return rows_; }
  std::int64_t chunks() const { return chunks_; }
  std::int64_t window_chunks() const { return window_chunks_; }
  std::int64_t windows() const { return (chunks_ + window_chunks_ - 1) / window_chunks_; }
  // The most rows in a chunk, and in a window.
  std::int64_t max_chunk_rows() const { return (rows_ + chunks_ - 1) / chunks_; }
  std::int64_t max_window_rows() const { return window_chunks_ * max_chunk_rows(); }

  // Chunk c's rows (shard rows), and the chunk that holds a row.
  RowRange chunk(std::int64_t c) const;
  std::int64_t chunk_of_row(std::int64_t row) const;
  // The k-th chunk read in epoch `epoch` (k in [0, K)): window k / W.
  std::int64_t chunk_at(std::int64_t epoch, std::int64_t k) const;

  // Fixes the current epoch (allocates only the first time).
  void begin_epoch(std::int64_t epoch);
  std::int64_t epoch() const { return epoch_; }
  // The shard row at position `position` of the current epoch.
  std::int64_t operator()(std::int64_t position) const;
  // The window of the current epoch that reads chunk c.
  std::int64_t window_of_chunk(std::int64_t c) const {
    return slot_of_chunk_[static_cast<std::size_t>(c)] / window_chunks_;
  }

 private:
  std::int64_t rows_, chunks_, window_chunks_;
  std::uint64_t seed_;
  std::int64_t epoch_ = -1;
  std::vector<std::int64_t> chunk_of_slot_;   // k -> chunk read k-th this epoch
  std::vector<std::int64_t> slot_of_chunk_;   // its inverse
  std::vector<std::int64_t> first_position_;  // k -> first position of that chunk's rows (K + 1)
};

}  // namespace psml::data
