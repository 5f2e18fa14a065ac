#include "allreduce_bench.hpp"

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>

#include "machine.hpp"
#include "psml/allreduce/gradient_allreduce.hpp"
#include "psml/allreduce/shared_memory_reduce.hpp"
#include "psml/core/aligned.hpp"
#include "psml/core/stopwatch.hpp"

namespace psml::bench {
namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Mean seconds per call of `f` over `iterations` calls, every rank starting together (the
// slowest rank's figure).
template <class F>
double seconds_per_call(const comm::Communicator& world, int iterations, F f) {
  world.barrier();
  const auto start = Clock::now();
  for (int i = 0; i < iterations; ++i) f();
  const std::chrono::duration<double> took = Clock::now() - start;
  return world.allreduce(took.count() / iterations, comm::ReduceOp::kMax);
}

}  // namespace

void run_allreduce_bench(const comm::Communicator& world, const AllreduceBenchOptions& o) {
  const int p = world.size();
  const auto training = world.with_deadline(o.deadline);
  if (world.rank() == 0) {
    std::printf("psml bench allreduce: %d ranks; %s\n", p, describe_machine().c_str());
    std::printf(
        "bus bandwidth = bytes x 2(p-1)/p / time; medians of %d timings of %d calls, the columns "
        "taken in turn\n"
        "  raw     Open MPI's MPI_Allreduce\n"
        "  psml    psml's allreduce: an arrival check (a non-blocking barrier polled against "
        "--deadline, so that a rank that never comes is named), then MPI_Allreduce under a "
        "watchdog\n"
        "  step    the training step's whole exchange (GradientAllreduce::reduce): psml's "
        "allreduce of the step header and the gradient, and the divergence check, one pass "
        "over the gradient before it is sent\n"
        "  shm     the training step's exchange in shared memory (--allreduce shm, ranks on one "
        "node): each rank sums its slice of every rank's gradient, checking it for NaN / Inf\n",
        o.repeats, o.iterations);
    std::printf("%8s %10s %10s %10s %10s %7s %10s %10s %10s %10s\n", "MB", "raw us", "raw GB/s",
                "psml us", "psml GB/s", "ratio", "step us", "step GB/s", "shm us", "shm GB/s");
  }
  const bool one_node = world.single_node();
  for (const double mb : o.megabytes) {
    const auto n = static_cast<std::size_t>(mb * 1e6 / sizeof(float));
    AlignedVector<float> raw(n, 1.0f), wrapped(n, 1.0f);
    allreduce::GradientAllreduce exchange(training, n);
    std::unique_ptr<allreduce::SharedMemoryReduce> shm;
    if (one_node) shm = std::make_unique<allreduce::SharedMemoryReduce>(training, n);
    std::int64_t step = 0;
    const auto raw_call = [&] {
      MPI_Allreduce(MPI_IN_PLACE, raw.data(), static_cast<int>(n), MPI_FLOAT, MPI_SUM,
                    world.native());
    };
    const auto psml_call = [&] { training.allreduce(std::span<float>(wrapped)); };
    const auto step_call = [&] {
      std::fill_n(exchange.gradient().begin(), 16, 1.0f);  // a gradient, as the model leaves it
      exchange.reduce(1.0, 64, ++step);
    };
    std::int64_t shm_step = 0;
    const auto shm_call = [&] {
      std::fill_n(shm->gradient().begin(), 16, 1.0f);
      shm->reduce(1.0, 64, ++shm_step);
    };
    raw_call();  // warm-up: connections, buffers
    psml_call();
    step_call();
    if (shm) shm_call();
    std::vector<double> raw_t, psml_t, step_t, shm_t{0.0};
    for (int r = 0; r < o.repeats; ++r) {
      raw_t.push_back(seconds_per_call(world, o.iterations, raw_call));
      psml_t.push_back(seconds_per_call(world, o.iterations, psml_call));
      step_t.push_back(seconds_per_call(world, o.iterations, step_call));
      if (shm) shm_t.push_back(seconds_per_call(world, o.iterations, shm_call));
    }
    if (shm) shm_t.erase(shm_t.begin());
    const double raw_s = median(raw_t), psml_s = median(psml_t), step_s = median(step_t),
                 shm_s = median(shm_t);
    const double bus = static_cast<double>(n * sizeof(float)) * 2.0 * (p - 1) / p / 1e9;
    if (world.rank() == 0)
      std::printf("%8.1f %10.1f %10.2f %10.1f %10.2f %6.0f%% %10.1f %10.2f %10.1f %10.2f\n", mb,
                  raw_s * 1e6, bus / raw_s, psml_s * 1e6, bus / psml_s, 100.0 * raw_s / psml_s,
                  step_s * 1e6, bus / step_s, shm_s * 1e6, shm ? bus / shm_s : 0.0);
  }
}

}  // namespace psml::bench
