// --early-stop P: watches the validation loss after each epoch, keeps the best epoch's parameters
// (and writes its checkpoint to CHECKPOINT_DIR/best and the model file at it), and says when P
// epochs have passed without improvement.
#pragma once

#include <limits>
#include <string>

#include "psml/core/aligned.hpp"
#include "psml/train/report.hpp"
#include "psml/train/trainer.hpp"
#include "worker_setup.hpp"

namespace psml::train {

class EarlyStopping {
 public:
  EarlyStopping(const RunContext& run, exchange::Exchange& exchange, checkpoint::Metadata meta)
      : run_(run), exchange_(exchange), meta_(std::move(meta)) {}

  bool enabled() const { return run_.config.early_stop > 0; }
  // After epoch `m` (its global step `global_step`): true when training should stop. Records the
  // best epoch in `result` (best_epoch, model_file).
  bool after_epoch(const EpochMetrics& m, std::int64_t global_step, std::span<const float> params,
                   TrainResult& result);
  // The run's model is the best epoch's: its parameters into `params` (if any epoch was best).
  void keep_best(AlignedVector<float>& params) const {
    if (enabled() && !best_params_.empty()) params = best_params_;
  }
  const std::string& best_checkpoint() const { return best_checkpoint_; }  // on worker 0

 private:
  const RunContext& run_;
  exchange::Exchange& exchange_;
  checkpoint::Metadata meta_;
  double best_loss_ = std::numeric_limits<double>::infinity();
  AlignedVector<float> best_params_;
  std::string best_checkpoint_;
};

}  // namespace psml::train
