// The parameter-server exchange of a worker: push the gradient sum to the servers, which apply
// the optimizer, and pull the parameters for the next step. Dense: all P keys, pushed and pulled
// in one exchange. Sparse: a step first fetches the keys its rows touch, then pushes their
// gradients; the servers start from zeros and no worker holds all P keys.
#pragma once

#include <vector>

#include "psml/core/aligned.hpp"
#include "psml/exchange/exchange.hpp"
#include "psml/ps/worker_client.hpp"

namespace psml::ps {

class PsExchange final : public exchange::Exchange {
 public:
  PsExchange(const comm::Communicator& world, const Roles& roles, std::size_t num_params,
             double deadline_seconds, KeyLayoutKind layout, bool sparse);

  void start(std::span<float> params, std::int64_t total_steps) override;
  std::span<float> gradient() override { return grad_; }
  bool step(std::span<float> params, double local_loss, std::int64_t local_rows,
            const exchange::StepInfo& info, exchange::EpochCounters& counters) override;
  bool fetch(std::span<const std::int64_t> keys, std::span<float> values,
             exchange::EpochCounters* counters) override;
  void step_sparse(std::span<const std::int64_t> keys, std::span<const float> grad,
                   double local_loss, std::int64_t local_rows, const exchange::StepInfo& info,
                   exchange::EpochCounters& counters) override;
  std::string save(checkpoint::Metadata meta, const exchange::CheckpointTarget& target,
                   std::span<const float> params) override;
  void resume(const std::string& path, const checkpoint::Metadata& meta,
              std::span<float> params) override;
  void finish(bool stopped) override { client_.done(stopped); }

 private:
  void record(const ExchangeStats& stats, exchange::EpochCounters& counters) const;

  const comm::Communicator& world_;
  WorkerClient client_;
  bool sparse_;
  AlignedVector<float> grad_;  // dense only
  bool resumed_ = false;
};

}  // namespace psml::ps
