// The allreduce exchange: the gradient sums added up over every rank (allreduce/gradient_sum.hpp:
// in shared memory on one node, else MPI collectives), then the same optimizer step on every
// rank's copy of the parameters.
#pragma once

#include <memory>
#include <vector>

#include "psml/allreduce/gradient_sum.hpp"
#include "psml/exchange/exchange.hpp"
#include "psml/optim/optimizer_factory.hpp"

namespace psml::allreduce {

class AllreduceExchange final : public exchange::DenseExchange {
 public:
  // `sum`: how the gradients are summed (gradient_sum.hpp). Collective.
  AllreduceExchange(const comm::Communicator& comm, std::size_t num_params,
                    const optim::OptimizerSpec& optimizer, const GradientSumOptions& sum = {});

  void start(std::span<float> params, std::int64_t total_steps) override;
  std::span<float> gradient() override { return reduce_->gradient(); }
  models::GradientListener* listener() override { return reduce_->listener(); }
  // "allreduce over shared memory", "allreduce over MPI, one allreduce after backprop"
  std::string describe() const override { return "allreduce over " + reduce_->describe(); }
  exchange::StepOutcome step(std::span<float> params, double local_loss, std::int64_t local_rows,
                             const exchange::StepInfo& info,
                             exchange::EpochCounters& counters) override;
  std::string save(checkpoint::Metadata meta, const exchange::CheckpointTarget& target,
                   std::span<const float> params) override;
  void resume(const std::string& path, const checkpoint::Metadata& meta,
              std::span<float> params) override;
  void finish(bool) override {}

 private:
  const comm::Communicator& comm_;
  std::unique_ptr<GradientSum> reduce_;
  optim::OptimizerSpec spec_;
  std::unique_ptr<optim::Optimizer> optimizer_;
  std::unique_ptr<optim::Schedule> schedule_;
  std::vector<float> state_;
};

}  // namespace psml::allreduce
