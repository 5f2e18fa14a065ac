// psml: distributed training of classic machine-learning models over MPI.
//
// Error policy: a failure every rank knows about (bad options, bad data found while loading, a
// diverged loss) is a CollectiveError: one rank prints it and all ranks leave through
// MPI_Finalize with exit code 1 (2 for a bad command line). A run stopped by SIGTERM / SIGINT
// (train::Stopped) is agreed the same way and leaves with 128 + the signal number. Any other
// failure is printed by the rank that hit it, which then aborts the whole job, so no rank is ever
// left waiting in a collective. A wait past --deadline is reported by one rank
// (comm/roll_call.hpp), which names the late ranks and aborts the job.
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "config_file.hpp"
#include "psml/comm/agreement.hpp"
#include "psml/comm/environment.hpp"
#include "psml/comm/roll_call.hpp"
#include "psml/core/simulation.hpp"
#include "psml/core/version.hpp"
#include "psml/train/trainer.hpp"
#include "usage_errors.hpp"

namespace {

// A bad command line: every rank parsed the same arguments and failed the same way. Exit code 2,
// as POSIX utilities use for usage errors.
class UsageError : public psml::comm::CollectiveError {
 public:
  using CollectiveError::CollectiveError;
};

// One write(2) of the whole line: mpirun's own banner about an aborting rank must not land in the
// middle of it (it did, under load, when the line went out piece by piece).
void print_line(const std::string& line) {
  const std::string text = line + "\n";
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(STDERR_FILENO, text.data() + done, text.size() - done);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

void print_error(const std::string& message) {
  print_line("psml: error: " + message);
}

int run(int argc, char** argv, const psml::comm::Communicator& world) {
  CLI::App app{"psml: distributed training of classic machine-learning models over MPI"};
  app.set_version_flag("--version", std::string("psml ") + psml::kVersion);
  app.require_subcommand(1);
  psml::cli::Action action;
  psml::cli::add_train_command(app, action);
  psml::cli::add_data_command(app, action);
  psml::cli::add_check_command(app, action);
  psml::cli::add_bench_command(app, action);
  psml::cli::add_model_commands(app, action);
  psml::cli::add_fit_commands(app, action);
  psml::cli::add_transform_command(app, action);
  // Run before MPI starts, in main (exec_python_command): here only for --help.
  app.add_subcommand("report", "plot runs' metrics: psml report RUN_DIR... --out report.png");
  app.add_subcommand("experiment",
                     "run a grid of training runs and plot how they scale: psml experiment "
                     "GRID.toml (docs/experiments.md)");
  app.add_subcommand("simulate",
                     "predict samples/s on a simulated cluster of up to thousands of hosts "
                     "(SimGrid SMPI; docs/simulation.md): psml simulate --workers N -- [train "
                     "options]");
  const std::vector<std::string> command_line(argv + 1, argv + argc);
  if (const auto line = psml::cli::unknown_command(app, command_line); !line.empty())
    throw UsageError(line, world.rank() == 0);
  try {
    // `train --config FILE`: the file's options join the command line (config_file.hpp).
    auto args = psml::cli::expand_config_file(app, command_line);
    // --print-config prints the options as parsed so far (the file's and the command line's):
    // last, it sees them all.
    const auto print = std::find(args.begin(), args.end(), "--print-config");
    if (print != args.end()) std::rotate(print, print + 1, args.end());
    std::reverse(args.begin(), args.end());  // CLI11 takes them last first
    app.parse(args);
  } catch (const CLI::Success& e) {  // --help, --version
    if (world.rank() == 0) app.exit(e);
    return 0;
  } catch (const CLI::ParseError& e) {
    // Every rank parses the same arguments and fails the same way: rank 0 reports.
    auto& command = psml::cli::command_named(app, command_line);
    const auto what =
        psml::cli::name_config_file(psml::cli::usage_message(e, app, command), command_line);
    throw UsageError(what, world.rank() == 0);
  }
  action(world);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // A write past the file-size limit (ulimit -f) must fail with EFBIG, which psml reports with the
  // file it was writing, rather than kill the rank without a word.
  std::signal(SIGXFSZ, SIG_IGN);
  if (argc > 1 && psml::cli::is_python_command(argv[1])) {  // plots and experiments: no MPI
    try {
      psml::cli::exec_python_command(argc, argv);
    } catch (const std::exception& e) {
      print_error(e.what());
    }
    return 1;
  }
  std::optional<psml::comm::Environment> env;
  try {
    // SMPI provides MPI_THREAD_SINGLE; the simulation build starts no thread of its own (no
    // deadlines: no call watchdog).
    env.emplace(argc, argv,
                psml::simulation::kSimulated ? psml::comm::Threading::kSingle
                                             : psml::comm::Threading::kFunneled);
  } catch (const std::exception& e) {
    print_error(e.what());
    return 1;
  }
  const auto world = psml::comm::Communicator::world();
  try {
    return run(argc, argv, world);
  } catch (const psml::train::Stopped& e) {
    if (e.reporter()) print_line(std::string("psml: ") + e.what());
    return 128 + e.signal();
  } catch (const UsageError& e) {
    if (e.reporter()) print_error(e.what());
    return 2;
  } catch (const psml::comm::CollectiveError& e) {
    if (e.reporter()) print_error(e.what());
    return 1;
  } catch (const psml::comm::DeadlineExpired& e) {  // names the late ranks itself
    print_error(e.what());
    world.abort(1);
  } catch (const std::exception& e) {
    print_error(world.size() > 1 ? "rank " + std::to_string(world.rank()) + ": " + e.what()
                                 : std::string(e.what()));
    if (world.size() > 1) world.abort(1);
    return 1;
  }
}
