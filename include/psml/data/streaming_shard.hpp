// A rank's shard read from its HDF5 file as training goes, in bounded memory (`--data-memory`):
// two windows of chunks (window_order.hpp) are resident, the one the steps consume and the next,
// which a prefetch thread reads (and validates, as read_shard does) while the model computes.
// When the steps move into the next window the two swap and the thread starts on the one after,
// across epoch boundaries too. A step waits only when the thread has not finished (reading is
// slower than computing) or after a jump (the first step, a resumed run).
//
// HDF5 is not thread-safe in Debian's build: the thread reads each chunk under
// h5::library_lock(), which the trainer takes as well around every HDF5 use once a streamed
// shard exists (the test set and class count at set-up, resuming, checkpoints, the saved model).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "psml/data/batch_buffer.hpp"
#include "psml/data/schema.hpp"
#include "psml/data/shard.hpp"
#include "psml/data/shard_reader.hpp"
#include "psml/data/standardization.hpp"
#include "psml/data/window_order.hpp"

namespace psml::data {

class StreamingShard {
 public:
  // The bytes one row takes in memory (features and label).
  static std::int64_t row_bytes(const DatasetInfo& info);

  // Streams `range` of the file within `budget_bytes` for windows (chunks of at least
  // `min_chunk_rows` rows: a step's share). Throws naming --data-memory when the budget cannot
  // hold two windows of one chunk each. `seed`: this rank's order seed. `standardization`
  // (--standardize): applied to every row as it is read.
  StreamingShard(const DatasetInfo& info, RowRange range, std::int64_t budget_bytes,
                 std::int64_t min_chunk_rows, std::uint64_t seed,
                 Standardization standardization = {});
  StreamingShard(const StreamingShard&) = delete;
  StreamingShard& operator=(const StreamingShard&) = delete;
  ~StreamingShard();

  const WindowOrder& order() const { return order_; }
  RowRange rows() const { return range_; }
  Eigen::Index features() const { return static_cast<Eigen::Index>(info_.features); }
  // "streamed: 500 chunks of 1049 rows (4.0 MiB), shuffled 31 chunks at a time, the next 31
  // read ahead": for the run's first lines.
  std::string describe() const;

  void begin_epoch(std::int64_t epoch);
  // Copies rows `rows` (shard rows of the current epoch's step) into `buffer`; waits for their
  // windows. A read or validation error of the thread is thrown here.
  BatchView gather(const std::vector<std::int64_t>& rows, BatchBuffer& buffer);

 private:
  struct Window {
    std::int64_t epoch = -1, index = -1;  // which window it holds (or is being read into)
    bool ready = false;
    Shard rows;                              // W chunks of rows, one after another
    std::vector<std::int64_t> chunks;        // j -> the chunk read j-th into `rows`
    std::vector<std::int64_t> chunk_offset;  // j -> first row of its j-th chunk in `rows`
  };
  static WindowOrder plan(const DatasetInfo& info, RowRange range, std::int64_t budget_bytes,
                          std::int64_t min_chunk_rows, std::uint64_t seed);
  void run();            // the prefetch thread
  void load(Window& w);  // reads w's chunks (on the thread)
  void request(int slot, std::int64_t epoch, std::int64_t index);
  void wait_ready(int slot);
  void make_resident(std::int64_t window);  // of the current epoch
  std::pair<std::int64_t, std::int64_t> next(std::int64_t epoch, std::int64_t index) const;

  DatasetInfo info_;
  Standardization standardization_;  // set before the thread starts, read-only after
  RowRange range_;
  WindowOrder order_;
  Window windows_[2];
  int front_ = 0;                    // the window steps consume; 1 - front_: the next
  std::vector<std::int32_t> where_;  // [slot * K + chunk] -> j, its place in the slot, or -1
  std::mutex mutex_;
  std::condition_variable changed_;
  int pending_ = -1;  // the slot the thread is to read next
  bool busy_ = false, quit_ = false;
  std::exception_ptr failure_;
  std::optional<ShardFile> file_;  // opened by the thread, used only there
  std::thread thread_;
};

}  // namespace psml::data
