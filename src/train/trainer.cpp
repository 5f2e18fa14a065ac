// The composition root of a training run: it agrees on the options and the roles, wires the
// worker or server role (train/worker_role.hpp, train/server_role.hpp) and gathers what every
// rank reports at the end. The units it wires say how.
#include "psml/train/trainer.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>

#include "psml/comm/agreement.hpp"
#include "psml/core/memory.hpp"
#include "psml/train/option_rules.hpp"
#include "psml/train/trace_file.hpp"
#include "run_context.hpp"
#include "server_role.hpp"
#include "worker_role.hpp"

namespace psml::train {
namespace {

// The same options on every rank, the roles, the training file and the options checked against
// it; a trace that cannot be written fails now, not after the run. One agreed phase.
void agree_on_run(const TrainConfig& config, const comm::Communicator& world, ps::Roles& roles,
                  data::DatasetInfo& train_info) {
  // A collective: every rank reaches it, before anything that may fail on some ranks only.
  const RankLayout ranks{world.size(), world.single_node()};
  comm::run_agreed(world, [&] {
    const auto fp = config.fingerprint();
    if (world.allreduce(fp, comm::ReduceOp::kMin) != world.allreduce(fp, comm::ReduceOp::kMax))
      throw error(
          "the ranks were started with different options (configuration fingerprints "
          "differ): ",
          config.describe());
    if (config.mode == Mode::kPs) roles = ps::make_roles(world.size(), config.servers);
    train_info = data::describe_dataset(config.train_path, config.data_options());
    check_options(config, train_info, ranks);
    if (!config.trace_path.empty() && world.rank() == 0 &&
        !std::ofstream(config.trace_path, std::ios::binary | std::ios::trunc))
      throw error(config.trace_path, ": cannot write the trace (--trace): ", std::strerror(errno));
  });
}

// Resuming: rank 0 finds the newest checkpoint that verifies and tells every rank.
std::string find_resume_path(const TrainConfig& config, const comm::Communicator& world,
                             const TrainCallbacks& callbacks) {
  if (config.resume.empty()) return {};
  std::string path;
  std::vector<std::string> notes;
  comm::run_agreed(world, [&] {
    if (world.rank() == 0) path = checkpoint::find_valid_checkpoint(config.resume, notes);
  });
  if (world.rank() == 0 && callbacks.on_note) {
    for (const auto& note : notes) callbacks.on_note(note);
    callbacks.on_note("resuming from " + path);
  }
  return world.broadcast(path, 0);
}

// Each server's payload traffic and the peak memory of the busiest worker and server, known to
// every rank.
void gather_figures(TrainResult& result, const RunContext& run, bool server,
                    std::int64_t server_bytes) {
  if (run.config.mode == Mode::kPs) {
    result.server_bytes.assign(static_cast<std::size_t>(run.roles.servers), 0.0);
    if (server)
      result.server_bytes[static_cast<std::size_t>(run.roles.server_index(run.world.rank()))] =
          static_cast<double>(server_bytes);
    run.world.allreduce(std::span<double>(result.server_bytes));
  }
  double peak[2] = {server ? 0.0 : peak_resident_mib(), server ? peak_resident_mib() : 0.0};
  run.world.allreduce(std::span<double>(peak), comm::ReduceOp::kMax);
  result.peak_worker_mib = peak[0];
  result.peak_server_mib = peak[1];
}

}  // namespace

TrainResult train(const TrainConfig& config, const comm::Communicator& launched,
                  const TrainCallbacks& callbacks) {
  // Every collective of the run waits at most --deadline for the other ranks.
  const auto world = launched.with_deadline(config.deadline);
  ps::Roles roles{world.size(), 0};
  data::DatasetInfo train_info;
  agree_on_run(config, world, roles, train_info);
  const bool server = config.mode == Mode::kPs && roles.is_server(world.rank());
  // The ranks of this rank's role: the workers among themselves, the servers among themselves.
  const auto group = world.split(server ? 1 : 0, world.rank());
  std::optional<TraceSession> tracing;
  if (!config.trace_path.empty())
    tracing.emplace(world, (server ? "server " : "worker ") + std::to_string(group.rank()));
  if (world.rank() == 0 && callbacks.on_note)  // how the labels were read, classes without rows
    for (const auto& note : train_info.notes) callbacks.on_note(note);
  const std::string resume_path = find_resume_path(config, world, callbacks);
  const RunContext run{config, world, group, roles, train_info, resume_path, callbacks};

  TrainResult result;
  std::int64_t server_bytes = 0;
  try {
    if (server)
      server_bytes = run_server(run);
    else
      result = run_worker(run);
  } catch (const Stopped&) {
    // Every rank stopped at an agreed step: the trace so far is still written.
    if (tracing) tracing->write(config.trace_path);
    throw;
  }
  gather_figures(result, run, server, server_bytes);
  if (tracing) tracing->write(config.trace_path);
  return result;
}

}  // namespace psml::train
