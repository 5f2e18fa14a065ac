// --run-dir: one folder per experiment, holding config.toml, metrics.jsonl, the checkpoints and
// the trace (docs/runs.md); and what makes any folder a run writes into (its run folder, its
// checkpoint folder) that run's alone: a lock held for the run's life (core/folder_lock.hpp), and
// a fresh run refused where another run's files lie, unless told to replace them (--overwrite).
#pragma once

#include <string>
#include <vector>

#include "psml/core/folder_lock.hpp"

namespace psml::train {

// Creates the run folder and returns its path: `requested` itself (made if missing; an existing
// one is reused, as by a resumed run), or for "auto" `runs/<YYYY-MM-DD>-<model>-<mode>-<n>` with
// n the first number not taken. Throws naming the folder if it cannot be made.
std::string make_run_folder(const std::string& requested, const std::string& model,
                            const std::string& mode);

// Whether `path` is a run folder (holds config.toml): --resume of a run folder continues it.
bool is_run_folder(const std::string& path);

// The folder `resume` (--resume's value) continues: the checkpoint folder itself, or the folder
// that holds the checkpoint file (empty: no --resume). A resumed run writes its checkpoints there
// unless told otherwise.
std::string folder_of_resume(const std::string& resume);

// The files and folders a run of psml left in `folder`, sorted by name: a run folder's
// config.toml, metrics.jsonl, trace.json and checkpoints/ (when it holds a checkpoint), a
// checkpoint folder's ckpt-<step>.h5, latest, best/ and their unfinished temporaries
// (.NAME.tmp). Anything else in the folder is not psml's and never counted or removed.
std::vector<std::string> run_files_in(const std::string& folder);

// What a run asks of the folders it writes into.
struct FolderClaim {
  std::string run_dir;         // --run-dir as given ("auto": a new numbered folder); empty: none
  std::string checkpoint_dir;  // --checkpoint-dir; empty: the run folder's checkpoints/, or none
  std::string resumed;         // the folder --resume continues: its run's files are this run's
  bool overwrite = false;      // --overwrite: another run's files are removed before the run
  std::string model, mode;     // what an "auto" run folder is named after
};

// The folders of one run, made and held for its life (by one rank: rank 0). Each is locked
// before anything in it is looked at or written, so a second run on the same folder fails at
// once naming this one; then a folder holding another run's files (run_files_in) is refused, or
// with `overwrite` emptied of them (the lock file and files not psml's stay). The removal takes
// `latest` and config.toml first and writes nothing new: a crash during it leaves part of the
// old run and none of the new, and --overwrite again finishes it.
class RunFolders {
 public:
  // Throws an Error of one line naming the folder as the user gave it.
  explicit RunFolders(const FolderClaim& claim);

  const std::string& run_folder() const { return run_folder_; }  // empty: none
  // The checkpoint folder: --checkpoint-dir, else the run folder's checkpoints/ (empty: none).
  const std::string& checkpoint_folder() const { return checkpoint_folder_; }
  // A line for each folder that could not be locked (a file system without locks).
  std::vector<std::string> notes() const;

 private:
  void claim(const std::string& folder, const std::string& label, const FolderClaim& claim);

  std::string run_folder_;
  std::string checkpoint_folder_;
  std::vector<FolderLock> locks_;
};

}  // namespace psml::train
