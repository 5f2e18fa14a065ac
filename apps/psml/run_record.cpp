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
                  "checkpoints and the trace (auto: runs/<date>-<model>-<mode>-<n>); a folder "
                  "holding another run's files is refused");
  cmd->add_flag("--overwrite", o.overwrite,
                "replace the run whose files lie in --run-dir or --checkpoint-dir: psml's files "
                "there are removed before this run starts (not with --resume)");
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

namespace {

// The record options that go together, known on every rank.
void check_record_options(const RecordOptions& o, const train::TrainConfig& config) {
  if (o.trace_given && o.trace.empty() && o.run_dir.empty())
    throw error("--trace without a file name writes trace.json into --run-dir: give either");
  if (o.overwrite && !config.resume.empty())
    throw error("--overwrite replaces another run, --resume continues one: give either");
  if (o.overwrite && o.run_dir.empty() && config.checkpoint_dir.empty())
    throw error(
        "--overwrite replaces the run in --run-dir or --checkpoint-dir: this run writes into "
        "neither");
}

}  // namespace

RunRecord::RunRecord(const RecordOptions& options, train::TrainConfig& config,
                     const comm::Communicator& world)
    : options_(options), settings_toml_(config.settings_toml), printer_(world.rank() == 0) {
  std::string folder;
  comm::run_agreed(world, [&] {
    check_record_options(options_, config);
    if (!printer_) return;
    folders_ = std::make_unique<train::RunFolders>(train::FolderClaim{
        options_.run_dir, config.checkpoint_dir, train::folder_of_resume(config.resume),
        options_.overwrite, config.model.name, train::to_string(config.mode)});
    folder = folders_->run_folder();
    if (folder.empty()) return;
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
  for (const auto& note : folders_->notes()) std::printf("%s\n", note.c_str());
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
