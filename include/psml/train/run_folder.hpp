// --run-dir: one folder per experiment, holding config.toml, metrics.jsonl, the checkpoints and
// the trace (docs/runs.md).
#pragma once

#include <string>

namespace psml::train {

// Creates the run folder and returns its path: `requested` itself (made if missing; an existing
// one is reused, as by a resumed run), or for "auto" `runs/<YYYY-MM-DD>-<model>-<mode>-<n>` with
// n the first number not taken. Throws naming the folder if it cannot be made.
std::string make_run_folder(const std::string& requested, const std::string& model,
                            const std::string& mode);

// Whether `path` is a run folder (holds config.toml): --resume of a run folder continues it.
bool is_run_folder(const std::string& path);

}  // namespace psml::train
