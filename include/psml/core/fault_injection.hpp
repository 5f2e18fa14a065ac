// Test-only fault injection, the one documented place where an environment variable reaches
// behaviour (read once in main, never deep in the code):
//
//   PSML_FAULT="rank=R step=S action=A [ms=M]"   several faults separated by ';'
//
// R: the world rank that misbehaves. S: the training step (1-based, counted over the whole run) at
// which it does, or '*' for every step (a server rank: when the first push of step S reaches
// it); or, instead of step=S, checkpoint=N: right after the rank has written its N-th checkpoint
// dataset of the run (each file has 2: checkpoint=3 crashes in the middle of the second
// checkpoint). A: throw (an exception), exit (exit(1) without MPI finalisation), kill (SIGKILL to
// itself), stop (SIGSTOP: alive but stuck), sleep (M ms), skip (a worker skips the step's
// exchange: out of step with the others, which the step check must catch), nan (a dense worker's
// gradient of the step gets a NaN: a divergence the loss does not show yet; the sparse loop and
// servers ignore it), term (SIGTERM to
// itself, as Slurm's pre-emption sends), fsize (sets its file-size limit, RLIMIT_FSIZE, to
// bytes=B: the next write past B fails with EFBIG, like a full disk).
// The way dmlc/rabit's mock engine and Horovod's tests schedule failures: every scenario
// repeatable.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace psml {

class FaultInjector {
 public:
  enum class Action { kThrow, kExit, kKill, kStop, kSleep, kSkip, kNan, kTerm, kFileSize };
  struct Fault {
    int rank = 0;
    std::int64_t step = 0;       // -1: every step
    int checkpoint_dataset = 0;  // > 0: fires after this many datasets of a checkpoint
    Action action = Action::kThrow;
    int milliseconds = 0;
    std::int64_t bytes = 0;
  };

  // Parses a specification; throws psml::Error naming PSML_FAULT if it is malformed.
  static FaultInjector parse(const std::string& spec);
  // Reads PSML_FAULT (no faults if unset).
  static FaultInjector from_environment();

  bool empty() const { return faults_.empty(); }
  // Called by rank `rank` at training step `step`: does what a matching fault says.
  void at_step(int rank, std::int64_t step) const;
  // Whether rank `rank` skips the exchange of step `step` (action skip).
  bool skips(int rank, std::int64_t step) const;
  // Whether rank `rank` puts a NaN into its gradient of step `step` (action nan).
  bool poisons(int rank, std::int64_t step) const;
  // Called by a checkpoint writer after it wrote its `datasets`-th dataset of the run.
  void at_checkpoint_dataset(int rank, int datasets) const;

 private:
  static void act(const Fault& f, const std::string& where);
  bool fires(Action action, int rank, std::int64_t step) const;
  std::vector<Fault> faults_;
};

}  // namespace psml
