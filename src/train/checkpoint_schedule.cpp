#include "checkpoint_schedule.hpp"

#include <cstdio>
#include <filesystem>

#include "psml/core/stopwatch.hpp"
#include "psml/core/trace.hpp"
#include "psml/data/h5.hpp"

namespace psml::train {
namespace {

// "812.3 MB": a file's size, for people.
std::string describe_size(const std::string& path) {
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(path, ec);
  if (ec) return "size unknown";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return text;
}

std::string format_seconds(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f s", seconds);
  return text;
}

}  // namespace

CheckpointSchedule::CheckpointSchedule(const RunContext& run, exchange::Exchange& exchange,
                                       checkpoint::Metadata meta)
    : run_(run),
      exchange_(exchange),
      meta_(std::move(meta)),
      every_(checkpoint::Every::parse_or_none(run.config.checkpoint_every)) {}

void CheckpointSchedule::save(std::int64_t epochs_done, std::int64_t step_in_epoch,
                              std::int64_t global_step, std::span<const float> params) {
  meta_.epoch = epochs_done;
  meta_.step_in_epoch = step_in_epoch;
  meta_.global_step = global_step;
  const auto started = Clock::now();
  const trace::Scope span("checkpoint");
  {
    const auto h5 = h5::library_lock();  // a streaming shard's thread reads HDF5 too
    last_ = exchange_.save(meta_,
                           {{run_.config.checkpoint_dir, run_.config.checkpoint_keep, ""},
                            run_.callbacks.checkpoint_hook},
                           params);
  }
  saved_at_ = global_step;
  run_.note(detail::concat("checkpoint ", last_, " (", describe_size(last_), " in ",
                           format_seconds(seconds_since(started)), ")"));
}

std::string save_model(exchange::Exchange& exchange, const checkpoint::Metadata& meta,
                       const checkpoint::Destination& to, const RunContext& run,
                       std::span<const float> params) {
  const auto h5 = h5::library_lock();  // a streaming shard's thread reads HDF5 too
  return exchange.save(meta, {to, run.callbacks.checkpoint_hook}, params);
}

}  // namespace psml::train
