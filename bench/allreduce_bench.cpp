#include "allreduce_bench.hpp"

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "machine.hpp"
#include "psml/allreduce/gradient_allreduce.hpp"
#include "psml/core/aligned.hpp"

namespace psml::bench {
namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Median over `repeats` of the mean seconds per call of `f`, every rank starting together.
template <class F>
double time_calls(const comm::Communicator& world, const AllreduceBenchOptions& o, F f) {
  std::vector<double> timings;
  f();  // warm-up: connections, buffers
  for (int r = 0; r < o.repeats; ++r) {
    world.barrier();
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < o.iterations; ++i) f();
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    timings.push_back(world.allreduce(took.count() / o.iterations, comm::ReduceOp::kMax));
  }
  return median(timings);
}

}  // namespace

void run_allreduce_bench(const comm::Communicator& world, const AllreduceBenchOptions& o) {
  const int p = world.size();
  const auto training = world.with_deadline(o.deadline);
  if (world.rank() == 0) {
    std::printf("psml bench allreduce: %d ranks; %s\n", p, describe_machine().c_str());
    std::printf("bus bandwidth = bytes x 2(p-1)/p / time; medians of %d timings of %d calls\n",
                o.repeats, o.iterations);
    std::printf("%8s %12s %12s %12s %12s %8s\n", "MB", "raw us", "raw GB/s", "psml us", "psml GB/s",
                "ratio");
  }
  for (const double mb : o.megabytes) {
    const auto n = static_cast<std::size_t>(mb * 1e6 / sizeof(float));
    AlignedVector<float> raw(n, 1.0f);
    const double raw_s = time_calls(world, o, [&] {
      MPI_Allreduce(MPI_IN_PLACE, raw.data(), static_cast<int>(n), MPI_FLOAT, MPI_SUM,
                    world.native());
    });
    allreduce::GradientAllreduce exchange(training, n);
    std::int64_t step = 0;
    const double psml_s = time_calls(world, o, [&] {
      std::fill_n(exchange.gradient().begin(), 16, 1.0f);  // a gradient, as the model leaves it
      exchange.reduce(1.0, 64, ++step);
    });
    const double bus = static_cast<double>(n * sizeof(float)) * 2.0 * (p - 1) / p / 1e9;
    if (world.rank() == 0)
      std::printf("%8.1f %12.1f %12.2f %12.1f %12.2f %7.0f%%\n", mb, raw_s * 1e6, bus / raw_s,
                  psml_s * 1e6, bus / psml_s, 100.0 * raw_s / psml_s);
  }
}

}  // namespace psml::bench
