#include "train_run.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>

#include "psml/comm/agreement.hpp"
#include "psml/core/fault_injection.hpp"
#include "psml/core/stop_signal.hpp"
#include "psml/train/trainer.hpp"

namespace psml::cli {
namespace {

// Memory, and in ps mode each server's traffic: the lines after the epochs.
void print_resources(const train::TrainResult& result, train::Mode mode) {
  if (mode != train::Mode::kPs) {
    std::printf("peak resident memory: %.1f MiB on the busiest rank\n", result.peak_worker_mib);
    return;
  }
  std::printf(
      "peak resident memory: %.1f MiB on the busiest worker, %.1f MiB on the busiest server\n",
      result.peak_worker_mib, result.peak_server_mib);
  const auto [low, high] =
      std::minmax_element(result.server_bytes.begin(), result.server_bytes.end());
  std::printf("payload per server (received + sent):");
  for (const double b : result.server_bytes) std::printf(" %.1f MB", b / 1e6);
  std::printf(" (largest / smallest %.2f)\n", *low > 0 ? *high / *low : 0.0);
}

// Fault injection for tests (core/fault_injection.hpp), agreed on every rank.
void inject_faults(train::TrainCallbacks& callbacks, const comm::Communicator& world) {
  FaultInjector faults;
  comm::run_agreed(world, [&] { faults = FaultInjector::from_environment(); });
  if (!faults.empty()) {
    callbacks.on_step = [faults, rank = world.rank()](std::int64_t step) {
      faults.at_step(rank, step);
    };
    callbacks.on_server_step = callbacks.on_step;
    callbacks.skip_step = [faults, rank = world.rank()](std::int64_t step) {
      return faults.skips(rank, step);
    };
    callbacks.poison_gradient = [faults, rank = world.rank()](std::int64_t step) {
      return faults.poisons(rank, step);
    };
    // Counted over the whole run: checkpoint=3 is the first dataset of the second file.
    callbacks.checkpoint_hook = [faults, rank = world.rank(), written = std::make_shared<int>(0)](
                                    int) { faults.at_checkpoint_dataset(rank, ++*written); };
  }
}

}  // namespace

void run_training(train::TrainConfig& config, const RecordOptions& record,
                  const comm::Communicator& world) {
  const bool printer = world.rank() == 0;
  RunRecord run_record(record, config, world);
  train::TrainCallbacks callbacks;
  run_record.attach(callbacks);
  install_stop_handlers(static_cast<unsigned>(config.grace_seconds));
  callbacks.stop_signal = [] { return stop_signal(); };
  inject_faults(callbacks, world);
  const auto result = train::train(config, world, callbacks);
  if (!printer || result.history.empty()) return;
  if (!run_record.quiet()) print_resources(result, config.mode);
  // With --early-stop, the epoch whose parameters the run kept.
  auto kept = result.history.end() - 1;
  for (auto e = result.history.begin(); e != result.history.end(); ++e)
    if (e->epoch == result.best_epoch) kept = e;
  if (!kept->has_test) return;
  const auto& last = *kept;
  // As the epoch lines print them.
  if (last.regression)
    std::printf("final test rmse %.4f\n", last.test_rmse);
  else
    std::printf("final test accuracy %.4f\n", last.test_accuracy);
}

}  // namespace psml::cli
