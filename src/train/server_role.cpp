#include "server_role.hpp"

#include <csignal>
#include <memory>

#include "ps_setup.hpp"
#include "psml/checkpoint/checkpoint.hpp"
#include "psml/ps/channel_transport.hpp"
#include "psml/ps/deadlines.hpp"
#include "psml/ps/server.hpp"
#include "psml/train/option_rules.hpp"
#include "psml/train/setup_phases.hpp"

namespace psml::train {
namespace {

ps::ServerOptions server_options(const RunContext& run) {
  const auto& config = run.config;
  const auto& callbacks = run.callbacks;
  ps::ServerOptions options;
  options.consistency = config.consistency;
  options.key_layout = resolved_key_layout(config, run.train_info);
  options.optimizer = config.optimizer;
  options.checkpoint_hook = callbacks.checkpoint_hook;
  options.deadline_seconds =
      ps::server_deadline(config.deadline, run.roles.server_index(run.world.rank()));
  options.checkpoint_seconds = ps::checkpoint_deadline(config.deadline, run.roles);
  options.step_check = config.step_check;
  if (callbacks.stop_signal)
    options.stop_wanted = [signal = &callbacks.stop_signal] { return (*signal)() != 0; };
  options.on_step = callbacks.on_server_step;
  options.compression = config.compression;
  return options;
}

}  // namespace

std::int64_t run_server(const RunContext& run) {
  auto options = server_options(run);
  std::unique_ptr<ps::SharedPayloads> shared;
  std::unique_ptr<ps::ChannelTransport> transport;
  std::unique_ptr<ps::Server> server;
  run_setup(
      run.world, kTrainSetup,
      {
          {"payload transport",
           [&] {
             shared = shared_payloads(run, 0);
             options.shared = shared.get();
           }},
          {"weight matrices for powersgd", [&] { options.matrices = agreed_matrices(run, {}); }},
          {"connect the exchange",
           [&] {
             transport = std::make_unique<ps::ChannelTransport>(run.world);
             server = std::make_unique<ps::Server>(*transport, run.roles,
                                                   run.roles.server_index(run.world.rank()),
                                                   options, &run.group);
           }},
          {"resume",
           [&] {
             if (!run.resume_path.empty())
               server->load(run.resume_path, checkpoint::read_metadata(run.resume_path));
           }},
      });
  server->run();
  if (server->stopped()) {
    const int own = run.callbacks.stop_signal ? run.callbacks.stop_signal() : 0;
    throw Stopped("stopped", false, own ? own : SIGTERM);
  }
  return server->payload_bytes();
}

}  // namespace psml::train
