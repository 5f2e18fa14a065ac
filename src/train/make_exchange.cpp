#include "make_exchange.hpp"

#include "psml/allreduce/allreduce_exchange.hpp"
#include "psml/allreduce/sparse_gather_exchange.hpp"
#include "psml/ps/deadlines.hpp"
#include "psml/ps/ps_exchange.hpp"
#include "psml/train/charged_learner.hpp"
#include "psml/train/option_rules.hpp"

namespace psml::train {

namespace {

template <class PsKind>
std::unique_ptr<PsKind> make_ps(const WorkerSetup& s, const RunContext& run) {
  const auto keys = static_cast<std::size_t>(s.learner->num_keys());
  return std::make_unique<PsKind>(
      run.world, run.roles, keys, ps::worker_deadline(run.config.deadline, run.roles),
      resolved_key_layout(run.config, s.info), s.shared.get(), run.config.compression, s.matrices);
}

std::unique_ptr<exchange::KeyedExchange> make_keyed(const WorkerSetup& s, const RunContext& run) {
  if (run.config.mode == Mode::kPs) return make_ps<ps::PsKeyedExchange>(s, run);
  return std::make_unique<allreduce::SparseGatherExchange>(
      run.group, static_cast<std::size_t>(s.learner->num_keys()), run.config.optimizer);
}

std::unique_ptr<exchange::DenseExchange> make_dense(const WorkerSetup& s, const RunContext& run) {
  if (run.config.mode == Mode::kPs) return make_ps<ps::PsExchange>(s, run);
  const auto& config = run.config;
  return std::make_unique<allreduce::AllreduceExchange>(
      run.group, static_cast<std::size_t>(s.learner->num_keys()), config.optimizer,
      allreduce::GradientSumOptions{
          .kind = config.allreduce,
          .step_check = config.step_check,
          .bucket_floats = static_cast<std::size_t>(config.bucket_mb * 1e6 / sizeof(float)),
          .compression = config.compression,
          .matrices = s.learner->matrices(),
          .seed = config.seed});
}

}  // namespace

void connect_exchange(WorkerSetup& s, const RunContext& run) {
  if (s.learner->keyed())
    s.exchange = make_keyed(s, run);
  else
    s.exchange = make_dense(s, run);
  if (run.config.compute_seconds_per_row > 0)
    s.learner =
        std::make_unique<ChargedLearner>(std::move(s.learner), run.config.compute_seconds_per_row);
  if (auto* dense = std::get_if<std::unique_ptr<exchange::DenseExchange>>(&s.exchange))
    s.learner->set_gradient_listener((*dense)->listener());
}

}  // namespace psml::train
