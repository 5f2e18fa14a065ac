#include "run_record.hpp"

#include <cstdio>

#include "psml/comm/agreement.hpp"
#include "psml/core/atomic_file.hpp"
#include "psml/core/error.hpp"
#include "psml/train/run_folder.hpp"

namespace psml::cli {

void add_record_options(CLI::App* cmd, RecordOptions& o) {
  cmd->add_option("--run-dir", o.run_dir,
                  "keep this run's record in this folder: config.toml, metrics.jsonl, the "
                  "checkpoints and the trace (auto: runs/<date>-<model>-<mode>-<n>)");
  cmd->add_option("--metrics", o.metrics,
                  "write metrics as JSON lines here (default with --run-dir: its metrics.jsonl; "
                  "the fields: docs/runs.md)");
  cmd->add_option("--trace", o.trace,
                  "write a Chrome trace of every rank's steps here (Perfetto, chrome://tracing); "
                  "with --run-dir and no file: its trace.json")
      ->expected(0, 1);
  cmd->add_option("--log-every", o.log_every,
                  "also print a line (and with metrics, write a step line) every N steps")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40));
  cmd->add_flag("--quiet,-q", o.quiet, "print only errors and the final result");
  cmd->add_flag("--verbose,-v", o.verbose, "also print the effective configuration at the start");
}

RunRecord::RunRecord(const RecordOptions& options, train::TrainConfig& config,
                     const comm::Communicator& world)
    : options_(options), settings_toml_(config.settings_toml), printer_(world.rank() == 0) {
  std::string folder;
  comm::run_agreed(world, [&] {
    if (options_.trace_given && options_.trace.empty() && options_.run_dir.empty())
      throw error("--trace without a file name writes trace.json into --run-dir: give either");
    if (options_.run_dir.empty() || !printer_) return;
    folder =
        train::make_run_folder(options_.run_dir, config.model.name, train::to_string(config.mode));
    write_file_atomically(folder + "/config.toml",
                          "# psml train: the effective configuration of this run (psml train "
                          "--config reads it)\n" +
                              settings_toml_);
  });
  folder = world.broadcast(folder, 0);
  if (!folder.empty()) {
    if (config.checkpoint_dir.empty()) config.checkpoint_dir = folder + "/checkpoints";
    if (options_.metrics.empty()) options_.metrics = folder + "/metrics.jsonl";
    if (options_.trace_given && options_.trace.empty()) options_.trace = folder + "/trace.json";
  }
  if (options_.trace_given) config.trace_path = options_.trace;
  comm::run_agreed(world, [&] {
    if (printer_ && !options_.metrics.empty())
      metrics_ = std::make_unique<train::MetricsLog>(options_.metrics);
  });
  if (!printer_) return;
  progress_ = std::make_unique<train::Progress>(stdout, train::Progress::is_terminal(stdout),
                                                options_.quiet, options_.log_every);
  if (options_.verbose && !options_.quiet)
    std::printf("# the effective configuration\n%s", settings_toml_.c_str());
  if (!folder.empty() && !options_.quiet) std::printf("run folder %s\n", folder.c_str());
  std::fflush(stdout);
}

void RunRecord::attach(train::TrainCallbacks& callbacks) {
  if (!printer_) return;
  callbacks.on_start = [this](const train::RunHeader& h) {
    progress_->header(h);
    if (metrics_) metrics_->run(h, settings_toml_);
  };
  callbacks.on_progress = [this](const train::StepProgress& p) {
    progress_->step(p);
    if (!metrics_ || options_.log_every == 0) return;
    if (p.epoch != last_logged_.epoch) last_logged_ = train::StepProgress{};  // a new epoch
    if (p.global_step % options_.log_every != 0) return;
    metrics_->step(p, last_logged_);
    last_logged_ = p;
  };
  callbacks.on_epoch = [this](const train::EpochMetrics& m) {
    progress_->epoch(m);
    if (metrics_) metrics_->epoch(m);
  };
  callbacks.on_note = [this](const std::string& note) { progress_->note(note); };
}

}  // namespace psml::cli
