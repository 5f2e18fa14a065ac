#include "psml/data/streaming_shard.hpp"

#include <algorithm>

#include "psml/core/error.hpp"
#include "psml/core/memory.hpp"
#include "psml/data/h5.hpp"
#include "psml/data/shard_reader.hpp"

namespace psml::data {
namespace {

constexpr std::int64_t kChunkTarget = 4 << 20;  // bytes of a chunk, when the budget allows

// Rows per chunk: about kChunkTarget bytes, fewer for a small budget, never under a step's share.
std::int64_t chunk_rows_for(std::int64_t row_bytes, std::int64_t budget, std::int64_t min_rows) {
  const std::int64_t target = std::min(kChunkTarget, budget / 8);
  return std::max(min_rows, std::max<std::int64_t>(1, target / row_bytes));
}

}  // namespace

WindowOrder StreamingShard::plan(const DatasetInfo& info, RowRange range, std::int64_t budget_bytes,
                                 std::int64_t min_chunk_rows, std::uint64_t seed) {
  const std::int64_t chunk_rows = chunk_rows_for(row_bytes(info), budget_bytes, min_chunk_rows);
  const WindowOrder chunks(range.count, chunk_rows, 1, seed);
  // Two windows of W chunks must fit the budget, with the labels of a chunk as read (64-bit
  // integers). HDF5's chunk cache is off for the features.
  const std::int64_t chunk = chunks.max_chunk_rows() * row_bytes(info);
  const std::int64_t reserve = chunks.max_chunk_rows() * 8;
  const std::int64_t window_chunks = (budget_bytes - reserve) / (2 * chunk);
  if (window_chunks < 1)
    throw error("--data-memory ", describe_bytes(static_cast<double>(budget_bytes)),
                ": too small for ", info.path, ": streaming needs room for 2 chunks of ",
                chunks.max_chunk_rows(), " rows (at least a step's share of the batch), ",
                describe_bytes(static_cast<double>(2 * chunk + reserve)));
  return WindowOrder(range.count, chunk_rows, window_chunks, seed);
}

std::int64_t StreamingShard::row_bytes(const DatasetInfo& info) {
  return info.features * static_cast<std::int64_t>(sizeof(float)) + 4;
}

StreamingShard::StreamingShard(const DatasetInfo& info, RowRange range, std::int64_t budget_bytes,
                               std::int64_t min_chunk_rows, std::uint64_t seed,
                               Standardization standardization)
    : info_(info),
      standardization_(std::move(standardization)),
      range_(range),
      order_(plan(info, range, budget_bytes, min_chunk_rows, seed)) {
  const auto w = static_cast<std::size_t>(order_.window_chunks());
  for (auto& window : windows_) {
    window.rows.info = info;
    window.rows.x.resize(order_.max_window_rows(), info.features);
    if (info.has_labels && info.task == Task::kClassification)
      window.rows.classes.resize(order_.max_window_rows());
    else if (info.has_labels)
      window.rows.targets.resize(order_.max_window_rows());
    window.chunks.reserve(w);
    window.chunk_offset.reserve(w);
  }
  where_.assign(2 * static_cast<std::size_t>(order_.chunks()), -1);
  thread_ = std::thread([this] { run(); });
  // The first window of a run from the start is read while the rest of the set-up goes on.
  request(front_, 0, 0);
}

StreamingShard::~StreamingShard() {
  {
    std::lock_guard lock(mutex_);
    quit_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

std::string StreamingShard::describe() const {
  const auto chunk = static_cast<double>(order_.max_chunk_rows() * row_bytes(info_));
  return detail::concat("streamed: ", order_.chunks(), " chunks of ", order_.max_chunk_rows(),
                        " rows (", describe_bytes(chunk), "), shuffled ", order_.window_chunks(),
                        " chunks at a time, the next ", order_.window_chunks(), " read ahead");
}

void StreamingShard::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return quit_ || pending_ >= 0; });
    if (quit_) return;
    const int slot = pending_;
    pending_ = -1;
    busy_ = true;
    lock.unlock();
    std::exception_ptr failed;
    try {
      load(windows_[slot]);
    } catch (...) {
      failed = std::current_exception();
    }
    lock.lock();
    busy_ = false;
    windows_[slot].ready = failed == nullptr;
    if (failed) failure_ = failed;
    changed_.notify_all();
  }
}

void StreamingShard::load(Window& w) {
  for (std::size_t j = 0; j < w.chunks.size(); ++j) {
    {
      std::lock_guard lock(mutex_);
      if (quit_) return;  // the run is over: the rest of this window is not needed
    }
    const RowRange local = order_.chunk(w.chunks[j]);
    const auto at = w.chunk_offset[j];
    // One chunk at a time: a checkpoint waits for one chunk's read at most.
    const auto lock = h5::library_lock();
    if (!file_) file_.emplace(info_);
    file_->read({range_.first + local.first, local.count}, w.rows.x.row(at).data(),
                w.rows.classes.size() ? w.rows.classes.data() + at : nullptr,
                w.rows.targets.size() ? w.rows.targets.data() + at : nullptr);
    if (!standardization_.empty()) standardization_.apply(w.rows.x.row(at).data(), local.count);
  }
}

void StreamingShard::request(int slot, std::int64_t epoch, std::int64_t index) {
  auto& w = windows_[slot];
  const auto chunks = static_cast<std::size_t>(order_.chunks());
  // Forget the chunks it held, then note where each of the new window's chunks goes.
  std::fill_n(where_.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(slot) * chunks),
              chunks, -1);
  const std::int64_t first_k = index * order_.window_chunks();
  const std::int64_t count = std::min(order_.window_chunks(), order_.chunks() - first_k);
  w.chunks.clear();
  w.chunk_offset.clear();
  std::int64_t offset = 0;
  for (std::int64_t j = 0; j < count; ++j) {
    const std::int64_t c = order_.chunk_at(epoch, first_k + j);
    where_[static_cast<std::size_t>(slot) * chunks + static_cast<std::size_t>(c)] =
        static_cast<std::int32_t>(j);
    w.chunks.push_back(c);
    w.chunk_offset.push_back(offset);
    offset += order_.chunk(c).count;
  }
  std::lock_guard lock(mutex_);
  w.epoch = epoch;
  w.index = index;
  w.ready = false;
  pending_ = slot;
  changed_.notify_all();
}

void StreamingShard::wait_ready(int slot) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return windows_[slot].ready || failure_ != nullptr; });
  if (failure_) std::rethrow_exception(failure_);
}

std::pair<std::int64_t, std::int64_t> StreamingShard::next(std::int64_t epoch,
                                                           std::int64_t index) const {
  if (index + 1 < order_.windows()) return {epoch, index + 1};
  return {epoch + 1, 0};
}

void StreamingShard::make_resident(std::int64_t window) {
  const std::int64_t epoch = order_.epoch();
  const auto holds = [&](int slot, std::pair<std::int64_t, std::int64_t> id) {
    return windows_[slot].epoch == id.first && windows_[slot].index == id.second;
  };
  const auto idle = [&] {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return (!busy_ && pending_ < 0) || failure_ != nullptr; });
    if (failure_) std::rethrow_exception(failure_);
  };
  if (!holds(front_, {epoch, window})) {
    if (holds(1 - front_, {epoch, window})) {
      front_ = 1 - front_;
    } else {  // a jump: the first step, or a resumed run
      idle();
      request(front_, epoch, window);
    }
  }
  wait_ready(front_);
  const auto after = next(epoch, window);
  if (!holds(1 - front_, after)) {
    idle();
    request(1 - front_, after.first, after.second);
  }
}

void StreamingShard::begin_epoch(std::int64_t epoch) {
  order_.begin_epoch(epoch);
}

BatchView StreamingShard::gather(const std::vector<std::int64_t>& rows, BatchBuffer& buffer) {
  if (rows.empty()) return buffer.gather(windows_[front_].rows, rows);
  std::int64_t low = order_.windows(), high = -1;
  for (const auto row : rows) {
    const auto w = order_.window_of_chunk(order_.chunk_of_row(row));
    low = std::min(low, w);
    high = std::max(high, w);
  }
  if (high > low + 1)
    throw error("internal: a step's rows span windows ", low, " to ", high, " of ", info_.path);
  make_resident(low);
  if (high > low) wait_ready(1 - front_);
  const auto chunks = static_cast<std::size_t>(order_.chunks());
  return buffer.gather(
      static_cast<Eigen::Index>(rows.size()),
      [&](std::size_t i) -> std::pair<const Shard*, Eigen::Index> {
        const std::int64_t c = order_.chunk_of_row(rows[i]);
        const int slot = order_.window_of_chunk(c) == low ? front_ : 1 - front_;
        const auto j =
            where_[static_cast<std::size_t>(slot) * chunks + static_cast<std::size_t>(c)];
        const auto& w = windows_[slot];
        return {&w.rows,
                w.chunk_offset[static_cast<std::size_t>(j)] + rows[i] - order_.chunk(c).first};
      });
}

}  // namespace psml::data
