// Compute micro-benchmarks (Google Benchmark), run with `build/bench/psml_compute_bench`:
//
//   Sgemm/N            Eigen's single-core sgemm, N x N times N x N: this machine's peak
//   LayerGemm/...      each matrix product of the MLP task (784-256-128-10) at 64 rows
//   MlpStep/rows       the whole forward and backward pass of that MLP (Mlp::loss_and_gradient)
//   Optimizer/name/P   one update of P keys (235,146: the MLP task; 5,820,426: the wide MLP)
//
// Counters: GFLOP/s for the products and the step (FLOPs actually computed: 2·m·n·k per
// product; the step computes X Wᵀ, Δᵀ A and, except for the first layer, Δ W for each layer), and
// for the optimizers GB/s of memory traffic (each key's parameter, gradient and state slots read,
// parameter and state written). The step's fraction of the sgemm peak is its GFLOP/s over Sgemm's.
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <cstdio>
#include <optional>
#include <random>

#include "machine.hpp"
#include "psml/core/aligned.hpp"
#include "psml/core/trace.hpp"
#include "psml/data/row_buffer.hpp"
#include "psml/models/mlp.hpp"
#include "psml/optim/optimizer_factory.hpp"

namespace {

using Matrix = psml::data::RowMatrix;

Matrix random_matrix(Eigen::Index rows, Eigen::Index cols) {
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = normal(rng);
  return m;
}

void Sgemm(benchmark::State& state) {
  const auto n = state.range(0);
  const Matrix a = random_matrix(n, n), b = random_matrix(n, n);
  Matrix c(n, n);
  for (auto _ : state) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(n * n * n),
                                                 benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::OneK::kIs1000);
}
BENCHMARK(Sgemm)->Arg(256)->Arg(512)->Arg(1024)->Unit(benchmark::kMillisecond);

// C (m x n) = A (m x k) · B, with B stored as the layer keeps it: kind 0 = X Wᵀ (forward),
// 1 = Δᵀ A (weight gradient), 2 = Δ W (input gradient).
void LayerGemm(benchmark::State& state) {
  const auto rows = state.range(0), in = state.range(1), out = state.range(2),
             kind = state.range(3);
  const Matrix w = random_matrix(out, in), x = random_matrix(rows, in),
               d = random_matrix(rows, out);
  Matrix c(kind == 0 ? rows : kind == 1 ? out : rows, kind == 0 ? out : in);
  for (auto _ : state) {
    if (kind == 0)
      c.noalias() = x * w.transpose();
    else if (kind == 1)
      c.noalias() = d.transpose() * x;
    else
      c.noalias() = d * w;
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(rows * in * out),
                                                 benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::OneK::kIs1000);
}
BENCHMARK(LayerGemm)
    ->ArgNames({"rows", "in", "out", "kind"})
    ->ArgsProduct({{64}, {784}, {256}, {0, 1}})
    ->ArgsProduct({{64}, {256}, {128}, {0, 1, 2}})
    ->ArgsProduct({{64}, {128}, {10}, {0, 1, 2}})
    ->Unit(benchmark::kMicrosecond);

// Counts what backprop reports, as the gradient allreduce would hear it, doing nothing else.
class CountingListener final : public psml::models::GradientListener {
 public:
  void ready(std::size_t, std::size_t) override { ++ready_; }
  void progress() override { ++progress_; }
  bool in_flight() const override { return true; }  // as if buckets were on their way
  long ready_ = 0, progress_ = 0;
};

// range(0): rows; range(1): hidden width (0: the task's 256-128); range(2): 1 with a listener
// (the products in pieces, as when buckets overlap with backprop).
void MlpStep(benchmark::State& state) {
  const auto rows = state.range(0);
  const auto width = state.range(1);
  std::vector<Eigen::Index> sizes{784, 256, 128, 10};
  if (width > 0) sizes = {784, width, width, 10};
  psml::models::Mlp<float> mlp(sizes, psml::models::Activation::kRelu,
                               psml::models::LossKind::kSoftmaxCrossEntropy,
                               psml::models::Init::kHe);
  CountingListener listener;
  if (state.range(2)) mlp.set_gradient_listener(&listener);
  psml::AlignedVector<float> params(mlp.num_params()), grad(mlp.num_params());
  mlp.init_params(params, 1);
  const Matrix x = random_matrix(rows, 784).cwiseAbs();
  std::vector<std::int32_t> classes(static_cast<std::size_t>(rows));
  for (std::size_t i = 0; i < classes.size(); ++i) classes[i] = static_cast<std::int32_t>(i % 10);
  const psml::data::BatchView batch{psml::data::ConstRowsMap(x.data(), rows, 784), classes, {}};
  mlp.reserve(rows);
  for (auto _ : state) benchmark::DoNotOptimize(mlp.loss_and_gradient(params, batch, grad));
  if (state.range(2))
    state.counters["progress/step"] =
        static_cast<double>(listener.progress_) / static_cast<double>(state.iterations());
  double flops = 0;
  for (std::size_t l = 0; l < mlp.layers().size(); ++l) {
    const double product =
        2.0 * static_cast<double>(rows * mlp.layers()[l].in() * mlp.layers()[l].out());
    flops += (l == 0 ? 2 : 3) * product;
  }
  state.counters["GFLOP/s"] = benchmark::Counter(
      flops, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::OneK::kIs1000);
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(MlpStep)
    ->ArgNames({"rows", "width", "pieces"})
    ->ArgsProduct({{32, 64, 128}, {0}, {0}})
    ->ArgsProduct({{64}, {0, 2048}, {0, 1}})
    ->Unit(benchmark::kMicrosecond);

const char* const kOptimizers[] = {"sgd",     "momentum", "nesterov", "adagrad",
                                   "rmsprop", "adam",     "adamw"};

void Optimizer(benchmark::State& state) {
  psml::optim::OptimizerSpec spec;
  spec.name = kOptimizers[state.range(0)];
  spec.reg.l2 = 1e-4f;
  const auto optimizer = psml::optim::make_optimizer(spec);
  const auto n = static_cast<std::size_t>(state.range(1));
  const auto slots = optimizer->state_slots();
  psml::AlignedVector<float> params(n, 0.5f), grad(n, 0.25f), opt_state(slots * n, 0.0f);
  std::int64_t t = 0;
  for (auto _ : state) {
    optimizer->step(params, grad, opt_state, {1e-3f, ++t, 1.0f / 128});
    benchmark::DoNotOptimize(params.data());
  }
  state.SetLabel(spec.name);
  // Read: parameter, gradient, state; written: parameter, state.
  const double bytes = static_cast<double>(n * sizeof(float) * (3 + 2 * slots));
  state.counters["GB/s"] = benchmark::Counter(bytes, benchmark::Counter::kIsIterationInvariantRate,
                                              benchmark::Counter::OneK::kIs1000);
}
BENCHMARK(Optimizer)
    ->ArgNames({"optimizer", "keys"})
    ->ArgsProduct({{0, 1, 2, 3, 4, 5, 6}, {235146, 5820426}})
    ->Unit(benchmark::kMicrosecond);

// Memory bandwidth for the optimizers' GB/s to be judged against: a streaming copy (read + write).
void Copy(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  psml::AlignedVector<float> a(n, 1.0f), b(n);
  for (auto _ : state) {
    std::copy(a.begin(), a.end(), b.begin());
    benchmark::DoNotOptimize(b.data());
  }
  state.counters["GB/s"] = benchmark::Counter(2.0 * static_cast<double>(n * sizeof(float)),
                                              benchmark::Counter::kIsIterationInvariantRate,
                                              benchmark::Counter::OneK::kIs1000);
}
BENCHMARK(Copy)->Arg(235146)->Arg(5820426)->Unit(benchmark::kMicrosecond);

// A trace span (core/trace.hpp) with tracing off (0: the default) and on (1), per span: a step
// of the MLP task marks about a dozen.
void Span(benchmark::State& state) {
  psml::trace::Recorder recorder(1 << 20);
  std::optional<psml::trace::Activation> tracing;
  if (state.range(0) == 1) tracing.emplace(recorder);
  for (auto _ : state) {
    if (recorder.spans().size() == recorder.spans().capacity()) {  // stay in the reserve
      state.PauseTiming();
      recorder = psml::trace::Recorder(1 << 20);
      state.ResumeTiming();
    }
    const psml::trace::Scope span("compute");
    benchmark::ClobberMemory();
  }
}
BENCHMARK(Span)->ArgName("tracing")->Arg(0)->Arg(1);

}  // namespace

int main(int argc, char** argv) {
  std::printf("machine: %s\n", psml::bench::describe_machine().c_str());
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
