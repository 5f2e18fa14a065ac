#include <memory>

#include "allreduce_bench.hpp"
#include "commands.hpp"
#include "ps_bench.hpp"

namespace psml::cli {

void add_bench_command(CLI::App& app, Action& action) {
  auto* bench = app.add_subcommand("bench", "measure psml on this machine");
  bench->require_subcommand(1);
  auto o = std::make_shared<bench::PsBenchOptions>();
  auto* ps = bench->add_subcommand(
      "ps",
      "parameter-server framing cost, push/pull throughput for 1-4 servers, per-step time split");
  ps->add_option("--keys", o->keys, "dense keys per push and per pull")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 28))
      ->capture_default_str();
  ps->add_option("--iterations", o->iterations, "messages or steps per timing")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  ps->add_option("--repeats", o->repeats, "timings; the median is reported")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  ps->add_option("--max-servers", o->max_servers, "largest server count")
      ->check(CLI::Range(1, 1 << 10))
      ->capture_default_str();
  ps->callback([o, &action] {
    action = [o](const comm::Communicator& world) { bench::run_ps_bench(world, *o); };
  });

  auto a = std::make_shared<bench::AllreduceBenchOptions>();
  auto* allreduce = bench->add_subcommand(
      "allreduce", "psml's gradient allreduce against raw MPI_Allreduce: time, bus bandwidth");
  allreduce->add_option("--megabytes", a->megabytes, "message sizes")
      ->check(CLI::Range(0.001, 4096.0))
      ->capture_default_str();
  allreduce->add_option("--iterations", a->iterations, "allreduces per timing")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  allreduce->add_option("--repeats", a->repeats, "timings; the median is reported")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  allreduce->callback([a, &action] {
    action = [a](const comm::Communicator& world) { bench::run_allreduce_bench(world, *a); };
  });
}

}  // namespace psml::cli
