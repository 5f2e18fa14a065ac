// Checkpoints in HDF5: everything a run needs to continue, on any rank layout, readable with h5py.
//
//   D/ckpt-<global step>.h5      one checkpoint; D/latest names the newest one (one line)
//   /params                      float32 [P]             the flat parameter vector
//   /optimizer_state             float32 [slots, P]      e.g. Adam's m and v (slots 0 for SGD)
//   /worker_clocks               int64 [workers]         pushes each worker had made
//   attributes on the root group:
//     format = "psml-checkpoint-1", psml_version, created (ISO time)
//     model (the model spec, e.g. "mlp hidden=256,128 activation=relu ..."), features,
//     num_classes, task, optimizer (name), optimizer_step (the optimizer's t), config (every
//     option) epoch (completed epochs), step_in_epoch (steps done in the current epoch),
//     global_step, seed (the data order and every random stream derive from it: nothing else to
//     store) mode, world_size, workers, servers (the layout that wrote it; informative only)
//   attribute checksum on /params and /optimizer_state (see checksum.hpp)
//
// Writing is atomic: a temporary file is written, fsync'ed and renamed, the directory fsync'ed,
// then `latest` is replaced the same way, and the oldest checkpoints beyond --checkpoint-keep
// are removed. A crash at any point leaves the previous checkpoint and `latest` intact.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "psml/comm/communicator.hpp"
#include "psml/data/row_range.hpp"
#include "psml/data/standardization.hpp"

namespace psml::checkpoint {

// The scalar facts of a checkpoint (everything but the two arrays).
struct Metadata {
  std::string model;  // ModelSpec::describe()
  std::int64_t features = 0;
  std::int64_t num_classes = 0;
  std::string task;
  std::string optimizer;
  std::int64_t optimizer_step = 0;
  std::string config;
  std::int64_t epoch = 0;
  std::int64_t step_in_epoch = 0;
  std::int64_t global_step = 0;
  std::uint64_t seed = 0;
  std::string mode;
  std::int64_t world_size = 0, workers = 0, servers = 0;
  std::int64_t num_params = 0;
  std::int64_t state_slots = 0;
  // The user's label of each class id (data::DatasetInfo::class_names); empty when the labels
  // were the ids themselves.
  std::vector<std::string> class_names;
  // psml train --standardize: what the model's inputs were standardized by; empty without.
  data::Standardization standardization;

  template <class Archive>
  void serialize(Archive& a, unsigned);
};

// Called after each dataset a writer finishes (tests inject crashes here).
using WriteHook = std::function<void(int datasets_written)>;

// Where a checkpoint goes: into `directory`, named by its global step, `latest` then naming it and
// the oldest beyond `keep` removed; or, with `file` set, to that one file (a saved model: the same
// format, nothing else in its directory touched).
struct Destination {
  std::string directory;
  int keep = 3;
  std::string file;

  template <class Archive>
  void serialize(Archive& a, unsigned);
};

// Writes one checkpoint collectively over `writers` (each writer its own key range; one writer
// in allreduce mode), then commits it atomically. Returns the committed file's path.
// `params` and `state` hold the writer's keys `keys` of the full vectors, in key order (state:
// slot-major, state_slots blocks of keys.count()); the writers' keys cover [0, P) once.
// `worker_clocks`: the pushes each worker had made (the same on every writer).
std::string write_checkpoint(const Destination& to, const Metadata& meta,
                             const data::StridedRange& keys, std::span<const float> params,
                             std::span<const float> state,
                             std::span<const std::int64_t> worker_clocks,
                             const comm::Communicator& writers, const WriteHook& hook = {});

// The newest checkpoint in `directory` whose checksums verify, starting from `latest`; a
// damaged one is skipped with a note on `notes`. Throws psml::Error if none verifies, or saying
// that the directory holds none. A path to a file instead of a directory is verified and returned
// as it is.
std::string find_valid_checkpoint(const std::string& directory, std::vector<std::string>& notes);

// The checkpoint files (ckpt-<step>.h5) in `directory`, newest first; none for a directory that
// does not exist.
std::vector<std::string> checkpoints_in(const std::string& directory);

// Reads and checks the metadata of a checkpoint file.
Metadata read_metadata(const std::string& path);

// Reads keys `keys` of /params and the matching columns of /optimizer_state (slot-major).
void read_range(const std::string& path, const Metadata& meta, const data::StridedRange& keys,
                std::span<float> params, std::span<float> state);

// Parses --checkpoint-every: "N steps" or "N epochs" written as 500steps, 2epochs, 1epoch.
struct Every {
  std::int64_t count = 0;  // 0: only the final checkpoint
  bool epochs = true;
  static Every parse(const std::string& text);
  static Every parse_or_none(const std::string& text) {
    return text.empty() ? Every{} : parse(text);
  }
  bool due(std::int64_t global_step, std::int64_t step_in_epoch, std::int64_t epoch_done) const;
};

}  // namespace psml::checkpoint
