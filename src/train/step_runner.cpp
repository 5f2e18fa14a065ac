#include "step_runner.hpp"

#include <limits>

#include "psml/core/stopwatch.hpp"
#include "psml/core/trace.hpp"

namespace psml::train {
namespace {

// The model's loss and gradient, timed, then poisoned if a test asks for it.
double compute(Learner& learner, const Batch& batch, std::span<const float> values,
               std::span<float> grad, const StepRunner::Poison& poison,
               const exchange::StepInfo& info, exchange::EpochCounters& counters) {
  const auto start = Clock::now();
  const double loss = [&] {
    const trace::Scope span("compute");
    return learner.loss_and_gradient(batch, values, grad);
  }();
  if (poison && poison(info.global_step))
    grad[grad.size() / 2] = std::numeric_limits<float>::quiet_NaN();
  counters.compute_seconds += seconds_since(start);
  counters.loss_sum += loss;
  counters.rows += static_cast<double>(batch.rows());
  return loss;
}

// Every worker holds all P keys: the exchange sums the gradient and updates them.
class DenseStepRunner final : public StepRunner {
 public:
  DenseStepRunner(Learner& learner, exchange::DenseExchange& exchange, AlignedVector<float>& params,
                  Poison poison)
      : learner_(learner), exchange_(exchange), params_(params), poison_(std::move(poison)) {}

  exchange::StepOutcome run(const Batch& batch, const exchange::StepInfo& info,
                            exchange::EpochCounters& counters) override {
    const auto grad = exchange_.gradient();
    exchange_.begin_step(info, batch.rows());
    const double loss = compute(learner_, batch, params_, grad, poison_, info, counters);
    return exchange_.step(params_, loss, batch.rows(), info, counters);
  }

 private:
  Learner& learner_;
  exchange::DenseExchange& exchange_;
  AlignedVector<float>& params_;
  Poison poison_;
};

// A step pulls the values of its keys, then pushes one gradient value per key.
class KeyedStepRunner final : public StepRunner {
 public:
  KeyedStepRunner(Learner& learner, exchange::KeyedExchange& exchange, Poison poison)
      : learner_(learner), exchange_(exchange), poison_(std::move(poison)) {}

  exchange::StepOutcome run(const Batch& batch, const exchange::StepInfo& info,
                            exchange::EpochCounters& counters) override {
    const auto keys = batch.keys();
    values_.resize(keys.size());
    grad_.resize(keys.size());
    // The servers may have decided a stop at this clock: every worker stops before the same
    // step, the previous one being the last done.
    if (const auto pulled = exchange_.pull(keys, values_, &counters); pulled.stop) return pulled;
    const double loss = compute(learner_, batch, values_, grad_, poison_, info, counters);
    exchange_.push(keys, grad_, loss, batch.rows(), info, counters);
    return {};
  }

 private:
  Learner& learner_;
  exchange::KeyedExchange& exchange_;
  Poison poison_;
  std::vector<float> values_, grad_;
};

}  // namespace

std::unique_ptr<StepRunner> make_step_runner(WorkerSetup& s, AlignedVector<float>& params,
                                             StepRunner::Poison poison) {
  if (auto* keyed = s.keyed_exchange())
    return std::make_unique<KeyedStepRunner>(*s.learner, *keyed, std::move(poison));
  auto& dense = *std::get<std::unique_ptr<exchange::DenseExchange>>(s.exchange);
  return std::make_unique<DenseStepRunner>(*s.learner, dense, params, std::move(poison));
}

}  // namespace psml::train
