#include "worker_role.hpp"

#include "checkpoint_schedule.hpp"
#include "early_stopping.hpp"
#include "full_batch_solvers.hpp"
#include "psml/data/streaming_shard.hpp"
#include "run_header.hpp"
#include "step_loop.hpp"
#include "worker_setup.hpp"

namespace psml::train {
namespace {

void announce(const WorkerSetup& s, const RunContext& run, std::int64_t steps_per_epoch) {
  if (run.callbacks.on_start) run.callbacks.on_start(make_run_header(s, run, steps_per_epoch));
}

// --solver exact | lbfgs: one solve, then its checkpoint. Returns the checkpoint (worker 0).
std::string solve_full_batch(WorkerSetup& s, const RunContext& run, TrainResult& result,
                             checkpoint::Metadata& meta) {
  const auto& config = run.config;
  announce(s, run, 0);
  if (config.solver == Solver::kExact)
    solve_exact(s, run, result);
  else
    solve_lbfgs(s, run, result);
  meta.epoch = 1;
  if (config.checkpoint_dir.empty()) return {};
  return save_model(s.any_exchange(), meta, {config.checkpoint_dir, config.checkpoint_keep, ""},
                    run, result.params);
}

// The step loop from where the run stands, then its final checkpoint. Returns the last
// checkpoint and (through `best`) the best epoch's, both on worker 0.
std::string train_steps(WorkerSetup& s, const RunContext& run, TrainResult& result,
                        checkpoint::Metadata& meta, std::string& best) {
  const auto& config = run.config;
  data::Batcher batcher(s.info.rows, s.rows, config.global_batch, config.seed, config.batch_order,
                        run.group.rank());
  if (const auto* stream = s.learner->stream()) {
    batcher.set_window_order(stream->order());
    run.note(detail::concat("training data ", stream->describe(), " (--data-memory ",
                            config.data_memory, " bytes per worker)"));
  }
  announce(s, run, batcher.steps_per_epoch());
  CheckpointSchedule checkpoints(run, s.any_exchange(), meta);
  if (!run.resume_path.empty() && s.resumed.epoch >= config.epochs) {
    // Nothing to train: the resumed checkpoint is the model.
    checkpoints.resumed_from(run.resume_path, s.resumed.global_step);
    run.note(detail::concat("nothing to train: ", run.resume_path, " is at epoch ", s.resumed.epoch,
                            " and --epochs is ", config.epochs));
  }
  EarlyStopping early(run, s.any_exchange(), meta);
  StepLoop loop(s, run, batcher, result, checkpoints, early);
  const std::int64_t epochs_run = loop.run();
  if (checkpoints.enabled() && !checkpoints.saved_at(loop.global_step()))
    checkpoints.save(epochs_run, 0, loop.global_step(), result.params);
  // The run's model is the best epoch's: what --save-model writes and the final figures are of.
  early.keep_best(result.params);
  meta.epoch = epochs_run;
  meta.step_in_epoch = 0;
  meta.global_step = loop.global_step();
  best = early.best_checkpoint();
  return checkpoints.last();
}

// Where the trained model went, for people.
std::string model_note(const TrainConfig& config, const TrainResult& result,
                       const std::string& best, const std::string& last) {
  if (!config.save_model.empty()) return "model saved to " + result.model_file;
  if (result.best_epoch > 0 && !best.empty())
    return "model kept in the best epoch's checkpoint " + best;
  if (!last.empty()) return "model kept in the final checkpoint " + last;
  return "the trained model was not kept (--save-model FILE or --checkpoint-dir DIR keeps it)";
}

}  // namespace

TrainResult run_worker(const RunContext& run) {
  WorkerSetup s;
  TrainResult result;
  run_setup(run.world, kTrainSetup, worker_setup_bodies(s, result.params, run));
  const auto& config = run.config;
  auto meta = describe_run(run, s);
  std::string best, last;
  if (config.solver != Solver::kSgd)
    last = solve_full_batch(s, run, result, meta);
  else
    last = train_steps(s, run, result, meta, best);
  // The model file is a checkpoint of the end of the run, in the same format: eval, predict and
  // checkpoint inspect read it, and a run can resume from it. (--early-stop wrote it at the best
  // epoch.)
  if (!config.save_model.empty() && result.best_epoch == 0)
    result.model_file =
        save_model(s.any_exchange(), meta, {"", 0, config.save_model}, run, result.params);
  s.any_exchange().finish(false);
  // With --early-stop the run's model is the best epoch's: its checkpoint, not the last one.
  if (result.model_file.empty())
    result.model_file = result.best_epoch > 0 && !best.empty() ? best : last;
  run.note(model_note(config, result, best, last));
  return result;
}

}  // namespace psml::train
