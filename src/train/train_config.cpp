#include "psml/train/train_config.hpp"

#include <sstream>

#include "psml/core/rng.hpp"

namespace psml::train {

std::string to_string(Mode mode) {
  return mode == Mode::kPs ? "ps" : "allreduce";
}
std::string to_string(Solver solver) {
  switch (solver) {
    case Solver::kExact:
      return "exact";
    case Solver::kLbfgs:
      return "lbfgs";
    case Solver::kSgd:
      break;
  }
  return "sgd";
}

std::string to_string(allreduce::AllreduceKind kind) {
  switch (kind) {
    case allreduce::AllreduceKind::kSharedMemory:
      return "shm";
    case allreduce::AllreduceKind::kMpi:
      return "mpi";
    case allreduce::AllreduceKind::kAuto:
      break;
  }
  return "auto";
}

std::string TrainConfig::describe() const {
  std::ostringstream out;
  out << "data=" << train_path << " test=" << test_path << " mode=" << to_string(mode);
  if (mode == Mode::kPs)
    out << " servers=" << servers
        << " key_layout=" << (key_layout ? to_string(*key_layout) : "auto")
        << " consistency=" << consistency.describe() << " deadline=" << deadline
        << " ps_transport=" << static_cast<int>(ps_transport);
  out << " sparse_exchange=" << static_cast<int>(sparse_exchange)
      << " solver=" << to_string(solver);
  if (solver == Solver::kLbfgs)
    out << " lbfgs_history=" << lbfgs.history << " max_iter=" << lbfgs.max_iterations
        << " gtol=" << lbfgs.gtol << " ftol=" << lbfgs.ftol;
  out << " model=" << model.describe() << " optimizer=" << optimizer.describe()
      << " epochs=" << epochs << " validation=" << validation << " early_stop=" << early_stop
      << " batch=" << global_batch << " batch_order=" << data::to_string(batch_order)
      << " allreduce=" << to_string(allreduce) << " bucket_mb=" << bucket_mb
      << " compression=" << compression.describe() << " seed=" << seed
      << " data_memory=" << data_memory << " checkpoint_dir=" << checkpoint_dir
      << " checkpoint_every=" << checkpoint_every << " checkpoint_keep=" << checkpoint_keep
      << " resume=" << resume << " step_check=" << step_check << " grace_seconds=" << grace_seconds;
  return out.str();
}

std::uint64_t TrainConfig::fingerprint() const {
  std::uint64_t h = 0;
  for (const char c : describe()) h = mix64(h ^ static_cast<unsigned char>(c));
  return h;
}

}  // namespace psml::train
