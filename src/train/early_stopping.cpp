#include "early_stopping.hpp"

#include "checkpoint_schedule.hpp"

namespace psml::train {

bool EarlyStopping::after_epoch(const EpochMetrics& m, std::int64_t global_step,
                                std::span<const float> params, TrainResult& result) {
  if (!enabled() || !m.has_validation) return false;
  const auto& config = run_.config;
  if (m.validation_loss < best_loss_) {
    best_loss_ = m.validation_loss;
    result.best_epoch = m.epoch;
    best_params_.assign(params.begin(), params.end());
    meta_.epoch = m.epoch;
    meta_.step_in_epoch = 0;
    meta_.global_step = global_step;
    if (!config.checkpoint_dir.empty())
      best_checkpoint_ =
          save_model(exchange_, meta_, {config.checkpoint_dir + "/best", 1, ""}, run_, params);
    // The model file is the best epoch's checkpoint: its parameters with its optimizer state and
    // position, as a resumed run needs them.
    if (!config.save_model.empty())
      result.model_file = save_model(exchange_, meta_, {"", 0, config.save_model}, run_, params);
    return false;
  }
  if (m.epoch - result.best_epoch < config.early_stop) return false;
  run_.note(detail::concat(
      "early stop: the validation loss has not improved for ", config.early_stop,
      config.early_stop == 1 ? " epoch" : " epochs", "; keeping epoch ", result.best_epoch,
      " (validation loss ", best_loss_, ")",
      config.checkpoint_dir.empty() ? ""
                                    : ", its checkpoint in " + config.checkpoint_dir + "/best"));
  return true;
}

}  // namespace psml::train
