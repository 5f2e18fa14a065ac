// What `psml train` writes besides the model: the lines rank 0 prints (a live bar on a terminal,
// --log-every lines, --quiet), and with --run-dir / --metrics / --trace the experiment's record
// (docs/runs.md).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include "cli11.hpp"

#include "psml/comm/communicator.hpp"
#include "psml/train/metrics_log.hpp"
#include "psml/train/progress.hpp"
#include "psml/train/run_folder.hpp"
#include "psml/train/trainer.hpp"

namespace psml::cli {

struct RecordOptions {
  std::string run_dir;  // empty: none; "auto": runs/<date>-<model>-<mode>-<n>
  std::string metrics;  // empty: none, or metrics.jsonl in the run folder
  std::string trace;    // --trace's value (empty: trace.json in the run folder)
  bool trace_given = false;
  std::int64_t log_every = 0;
  bool quiet = false;
  bool verbose = false;
  bool overwrite = false;  // replace another run's files in the run or checkpoint folder
};

// Registers --run-dir, --overwrite, --metrics, --trace, --log-every, --quiet and --verbose on
// `cmd`.
void add_record_options(CLI::App* cmd, RecordOptions& options);

class RunRecord {
 public:
  // Collective over `world`. Rank 0 makes the run folder (if any) and the checkpoint folder,
  // holds both for the run's life (train/run_folder.hpp: a folder with another run's files is
  // refused, or with --overwrite emptied of them) and writes config.toml (`settings_toml`);
  // every rank learns the folder. `config` gets what the folder implies: checkpoints in its
  // checkpoints/ unless --checkpoint-dir says otherwise, the trace path.
  RunRecord(const RecordOptions& options, train::TrainConfig& config,
            const comm::Communicator& world);

  // Rank 0 prints and writes metrics from these callbacks.
  void attach(train::TrainCallbacks& callbacks);
  bool quiet() const { return options_.quiet; }

 private:
  RecordOptions options_;
  std::string settings_toml_;
  bool printer_;
  std::unique_ptr<train::RunFolders> folders_;  // rank 0: held until the run ends
  std::unique_ptr<train::Progress> progress_;   // rank 0
  std::unique_ptr<train::MetricsLog> metrics_;  // rank 0, with --metrics or a run folder
  train::StepProgress last_logged_;             // the step metrics' previous line
};

}  // namespace psml::cli
