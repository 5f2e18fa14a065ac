// The parameter-server exchanges of a worker: push the gradient sum to the servers, which apply
// the optimizer, and pull the parameters for the next step, in either step protocol.
#pragma once

#include <vector>

#include "psml/core/aligned.hpp"
#include "psml/exchange/exchange.hpp"
#include "psml/ps/channel_transport.hpp"
#include "psml/ps/shared_payloads.hpp"
#include "psml/ps/worker_client.hpp"

namespace psml::ps {

// What both protocols do alike through the servers: the start, checkpoints (written by the
// servers), the end, and the step's figures.
template <class Protocol>
class PsClientExchange : public Protocol {
 public:
  std::string save(checkpoint::Metadata meta, const exchange::CheckpointTarget& target,
                   std::span<const float> params) override;
  void resume(const std::string& path, const checkpoint::Metadata& meta,
              std::span<float> params) override;
  void finish(bool stopped) override { client_.done(stopped); }

 protected:
  template <class... ClientArgs>
  PsClientExchange(const comm::Communicator& world, const Roles& roles, ClientArgs&&... args)
      : world_(world),
        transport_(world),
        client_(transport_, roles, world.rank(), std::forward<ClientArgs>(args)...) {}

  // Worker 0 has the servers set their starting values: `params` (dense) or zeros (empty span).
  void init_servers(std::span<const float> params, std::int64_t total_steps);
  void record(const ExchangeStats& stats, exchange::EpochCounters& counters) const;

  const comm::Communicator& world_;
  ChannelTransport transport_;
  WorkerClient client_;
  bool resumed_ = false;
};

// Dense data: all P keys pushed and pulled every step. Under the ranges layout each server's share
// of the gradient is pushed as soon as backprop has finished its keys (the last layers' first;
// models::GradientListener), checked for NaN / Inf first, while the earlier layers compute;
// step() pushes the rest, then pulls.
class PsExchange final : public PsClientExchange<exchange::DenseExchange>,
                         public models::GradientListener {
 public:
  // `shared`: dense payloads through shared memory (ps/shared_payloads.hpp), or null;
  // `compression`: how dense pushes are encoded; `matrices`: the model's weight matrices (for
  // powersgd).
  PsExchange(const comm::Communicator& world, const Roles& roles, std::size_t num_params,
             double deadline_seconds, KeyLayoutKind layout, const SharedPayloads* shared = nullptr,
             const compress::CompressionSpec& compression = {},
             std::span<const MatrixBlock> matrices = {});

  void start(std::span<float> params, std::int64_t total_steps) override;
  std::span<float> gradient() override { return gradient_; }
  void begin_step(const exchange::StepInfo& info, std::int64_t local_rows) override;
  models::GradientListener* listener() override;
  // From backprop (models::GradientListener).
  void ready(std::size_t first, std::size_t count) override;
  void progress() override { in_flight_ = client_.progress_pushes(); }
  bool in_flight() const override { return in_flight_; }
  exchange::StepOutcome step(std::span<float> params, double local_loss, std::int64_t local_rows,
                             const exchange::StepInfo& info,
                             exchange::EpochCounters& counters) override;

 private:
  AlignedVector<float> grad_;  // without shared payloads
  std::span<float> gradient_;  // grad_, or this worker's slot of the shared payloads
  // The step being computed, for pushes during backprop.
  exchange::StepInfo info_;
  std::int64_t rows_ = 0;
  std::size_t ready_from_ = 0;  // keys [ready_from_, P) are final
  bool in_flight_ = false;
};

// Sparse data: a step first pulls the keys its rows touch, then pushes their gradients; the
// servers start from zeros and no worker holds all P keys.
class PsKeyedExchange final : public PsClientExchange<exchange::KeyedExchange> {
 public:
  // The arguments as PsExchange's (the client takes them; dense payloads are not used).
  PsKeyedExchange(const comm::Communicator& world, const Roles& roles, std::size_t num_params,
                  double deadline_seconds, KeyLayoutKind layout,
                  const SharedPayloads* shared = nullptr,
                  const compress::CompressionSpec& compression = {},
                  std::span<const MatrixBlock> matrices = {});

  void start(std::span<float> params, std::int64_t total_steps) override;
  exchange::StepOutcome pull(std::span<const std::int64_t> keys, std::span<float> values,
                             exchange::EpochCounters* counters) override;
  void push(std::span<const std::int64_t> keys, std::span<const float> grad, double local_loss,
            std::int64_t local_rows, const exchange::StepInfo& info,
            exchange::EpochCounters& counters) override;
};

}  // namespace psml::ps
