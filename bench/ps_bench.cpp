#include "ps_bench.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "machine.hpp"
#include "psml/comm/framing.hpp"
#include "psml/core/aligned.hpp"
#include "psml/core/error.hpp"
#include "psml/core/stopwatch.hpp"
#include "psml/models/model_factory.hpp"
#include "psml/ps/channel_transport.hpp"
#include "psml/ps/messages.hpp"
#include "psml/ps/server.hpp"
#include "psml/ps/worker_client.hpp"

namespace psml::bench {
namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Seconds per message from rank 0 to rank 1, raw MPI_Send or framed; timed on rank 0 until
// rank 1 acknowledges the last one.
double time_messages(const comm::Communicator& world, std::vector<std::byte>& buffer,
                     int iterations, bool framed) {
  const comm::Channel channel(world);
  const int bytes = static_cast<int>(buffer.size());
  char ack = 0;
  world.barrier();
  const auto start = Clock::now();
  if (world.rank() == 0) {
    for (int i = 0; i < iterations; ++i) {
      if (framed) {
        channel
            .isend(1, ps::Message(ps::Push{0, i + 1, 0, 1, -1}),
                   {std::span<const std::byte>(buffer)})
            .wait();
      } else {
        MPI_Send(buffer.data(), bytes, MPI_BYTE, 1, 1, world.native());
      }
    }
    MPI_Recv(&ack, 1, MPI_CHAR, 1, 2, world.native(), MPI_STATUS_IGNORE);
  } else if (world.rank() == 1) {
    for (int i = 0; i < iterations; ++i) {
      if (framed) {
        ps::Message header;
        channel.receive_header(header, 0);
        channel.receive_payload(0, buffer);
      } else {
        MPI_Recv(buffer.data(), bytes, MPI_BYTE, 0, 1, world.native(), MPI_STATUS_IGNORE);
      }
    }
    MPI_Send(&ack, 1, MPI_CHAR, 0, 2, world.native());
  }
  const double seconds = seconds_since(start) / iterations;
  world.barrier();
  return seconds;
}

void bench_framing(const comm::Communicator& world, const PsBenchOptions& o) {
  if (world.rank() == 0)
    std::printf(
        "\n1. framing: Boost-serialized header + raw payload frame vs raw MPI_Send of the same "
        "payload, rank 0 -> 1, median of %d x %d messages\n"
        "   %10s %12s %12s %10s %10s\n",
        o.repeats, o.iterations, "payload", "raw us", "framed us", "GB/s raw", "overhead");
  for (const std::size_t bytes :
       {std::size_t{1} << 20, std::size_t{4} << 20, std::size_t{16} << 20}) {
    std::vector<std::byte> buffer(bytes, std::byte{1});
    std::vector<double> raw, framed;
    for (int r = 0; r < o.repeats; ++r) {
      // Alternate, so that drift on a shared machine hits both equally.
      raw.push_back(time_messages(world, buffer, o.iterations, false));
      framed.push_back(time_messages(world, buffer, o.iterations, true));
    }
    if (world.rank() == 0) {
      const double r = median(raw), f = median(framed);
      std::printf("   %7zu MiB %12.1f %12.1f %10.2f %9.1f%%\n", bytes >> 20, r * 1e6, f * 1e6,
                  static_cast<double>(bytes) / r / 1e9, (f / r - 1) * 100);
    }
  }
}

// One step of a dense worker: push its gradient sum over `rows` rows to every server, then pull
// the next parameters; what the push and the pull saw.
std::pair<ps::ExchangeStats, ps::ExchangeStats> push_pull(ps::WorkerClient& client,
                                                          std::span<const float> grad,
                                                          std::int64_t rows,
                                                          std::span<float> params) {
  auto pushed = client.wait(client.push(ps::KeyRange{0, client.num_keys()}, grad, rows));
  return {std::move(pushed), client.wait(client.pull(params))};
}

// One parameter-server session with `servers` servers; `work` runs on every worker with its
// client and the workers' communicator and returns after its last exchange.
template <class Work>
void with_servers(const comm::Communicator& world, int servers, ps::Consistency consistency,
                  const optim::OptimizerSpec& optimizer, std::int64_t keys, const Work& work) {
  const ps::Roles roles{world.size() - servers, servers};
  const bool server = roles.is_server(world.rank());
  const auto group = world.split(server ? 1 : 0, world.rank());  // workers, or servers
  if (server) {
    ps::ServerOptions options;
    options.consistency = consistency;
    options.optimizer = optimizer;
    ps::ChannelTransport transport(world);
    ps::Server(transport, roles, roles.server_index(world.rank()), options, &group).run();
  } else {
    ps::ChannelTransport transport(world);
    ps::WorkerClient client(transport, roles, world.rank(), keys);
    AlignedVector<float> params(static_cast<std::size_t>(keys), 0.0f);
    if (world.rank() == 0) client.init_servers(params, 1 << 30);
    client.wait(client.pull(params));
    work(client, group, params);
    client.done();
  }
  world.barrier();
}

void bench_throughput(const comm::Communicator& world, const PsBenchOptions& o) {
  const int max_servers = std::min(o.max_servers, world.size() - 1);
  if (world.rank() == 0)
    std::printf(
        "\n2. push/pull throughput: each worker pushes %lld dense keys (%.1f MiB) and pulls "
        "them back, %d times; async, sgd; median of %d\n"
        "   keys/s and MB/s count pushed plus pulled values over all workers\n"
        "   %8s %8s %14s %10s %14s\n",
        static_cast<long long>(o.keys), static_cast<double>(o.keys) * 4 / (1 << 20), o.iterations,
        o.repeats, "servers", "workers", "keys/s", "MB/s", "ms per push_pull");
  optim::OptimizerSpec sgd;
  sgd.lr = 1e-9f;
  for (int servers = 1; servers <= max_servers; ++servers) {
    std::vector<double> times;
    for (int r = 0; r < o.repeats; ++r) {
      double seconds = 0;
      with_servers(world, servers, ps::Consistency::parse("async"), sgd, o.keys,
                   [&](ps::WorkerClient& client, const comm::Communicator& workers,
                       AlignedVector<float>& params) {
                     AlignedVector<float> grad(params.size(), 1.0f);
                     workers.barrier();
                     const auto start = Clock::now();
                     for (int i = 0; i < o.iterations; ++i) push_pull(client, grad, 1, params);
                     seconds = workers.allreduce(seconds_since(start), comm::ReduceOp::kMax);
                   });
      times.push_back(seconds);
    }
    if (world.rank() == 0) {
      const int workers = world.size() - servers;
      const double t = median(times);
      const double values = 2.0 * workers * o.iterations * static_cast<double>(o.keys);
      std::printf("   %8d %8d %14.3g %10.0f %14.2f\n", servers, workers, values / t,
                  values * 4 / t / 1e6, t / o.iterations * 1e3);
    }
  }
}

void bench_step_split(const comm::Communicator& world, const PsBenchOptions& o) {
  const int max_servers = std::min(o.max_servers, world.size() - 1);
  const std::int64_t batch = 64;
  models::ModelSpec spec;
  spec.name = "mlp";
  spec.hidden = {256, 128};
  auto model = models::make_model<float>(spec, 784, data::Task::kClassification, 10, 1);
  const auto keys = static_cast<std::int64_t>(model->num_params());
  if (world.rank() == 0)
    std::printf(
        "\n3. per-step time split: MLP 784-256-128-10 (%lld keys), %lld random rows per worker "
        "and step, adam, bsp; mean ms per step over %d steps\n"
        "   %8s %8s %9s %9s %9s %9s\n",
        static_cast<long long>(keys), static_cast<long long>(batch), o.iterations, "servers",
        "workers", "compute", "push", "pull", "wait");
  data::RowMatrix x(batch, 784);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> pixel(0.0f, 1.0f);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = pixel(rng);
  std::vector<std::int32_t> labels(static_cast<std::size_t>(batch));
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::int32_t>(i % 10);
  const data::BatchView view{data::ConstRowsMap(x.data(), batch, 784), labels, {}};
  optim::OptimizerSpec adam;
  adam.name = "adam";
  adam.lr = 1e-3f;
  for (int servers = 1; servers <= max_servers; ++servers) {
    double split[4] = {0, 0, 0, 0};
    with_servers(world, servers, ps::Consistency::parse("bsp"), adam, keys,
                 [&](ps::WorkerClient& client, const comm::Communicator& workers,
                     AlignedVector<float>& params) {
                   AlignedVector<float> grad(params.size());
                   for (int i = 0; i < o.iterations; ++i) {
                     const auto start = Clock::now();
                     model->loss_and_gradient(params, view, grad);
                     split[0] += seconds_since(start);
                     const auto [pushed, pulled] = push_pull(client, grad, batch, params);
                     split[1] += pushed.push_seconds;
                     split[2] += pulled.pull_seconds;
                     split[3] += pulled.wait_seconds;
                   }
                   workers.allreduce(std::span<double>(split));
                   for (double& s : split) s /= workers.size() * o.iterations;
                 });
    if (world.rank() == 0)
      std::printf("   %8d %8d %9.2f %9.2f %9.2f %9.2f\n", servers, world.size() - servers,
                  split[0] * 1e3, split[1] * 1e3, split[2] * 1e3, split[3] * 1e3);
  }
}

}  // namespace

void run_ps_bench(const comm::Communicator& world, const PsBenchOptions& options) {
  if (world.size() < 2) throw error("psml bench ps needs at least 2 ranks (mpirun -np 2 or more)");
  if (world.rank() == 0)
    std::printf("psml bench ps: %d ranks on %s\n", world.size(), describe_machine().c_str());
  bench_framing(world, options);
  bench_throughput(world, options);
  bench_step_split(world, options);
  std::fflush(stdout);
}

}  // namespace psml::bench
