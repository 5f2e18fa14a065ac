// When the step loop writes checkpoints (--checkpoint-dir, --checkpoint-every) and where the last
// one went; each write is a note with its size and time.
#pragma once

#include <span>
#include <string>

#include "psml/checkpoint/checkpoint.hpp"
#include "psml/exchange/exchange.hpp"
#include "run_context.hpp"

namespace psml::train {

class CheckpointSchedule {
 public:
  // `meta`: the run's description (describe_run), whose position each write sets.
  CheckpointSchedule(const RunContext& run, exchange::Exchange& exchange,
                     checkpoint::Metadata meta);

  bool enabled() const { return !run_.config.checkpoint_dir.empty(); }
  // Whether --checkpoint-every asks for one after this step.
  bool due(std::int64_t global_step, std::int64_t step_in_epoch, std::int64_t epochs_done) const {
    return enabled() && every_.due(global_step, step_in_epoch, epochs_done);
  }
  // Writes one at this position (collective over the workers).
  void save(std::int64_t epochs_done, std::int64_t step_in_epoch, std::int64_t global_step,
            std::span<const float> params);
  // Whether the last one written is at `global_step`.
  bool saved_at(std::int64_t global_step) const { return saved_at_ == global_step; }
  // The resumed checkpoint stands for this position (nothing to write there again).
  void resumed_from(const std::string& path, std::int64_t global_step) {
    last_ = path;
    saved_at_ = global_step;
  }
  const std::string& last() const { return last_; }  // on worker 0; empty: none yet

 private:
  const RunContext& run_;
  exchange::Exchange& exchange_;
  checkpoint::Metadata meta_;
  checkpoint::Every every_;
  std::string last_;
  std::int64_t saved_at_ = -1;
};

// Writes `params` (and the exchange's optimizer state) at `meta`'s position to `to`: the model
// file (--save-model), the best epoch's checkpoint. Returns the file, on worker 0.
std::string save_model(exchange::Exchange& exchange, const checkpoint::Metadata& meta,
                       const checkpoint::Destination& to, const RunContext& run,
                       std::span<const float> params);

}  // namespace psml::train
