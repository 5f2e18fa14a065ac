// Allreduce mode on sparse (CSR) data with many features: instead of summing a P-long gradient,
// every rank gathers every rank's (key, value) pairs of the step (two allgathers, each rank's list
// padded to the longest), adds them up key by key in rank order (the same sums, to the bit, on
// every rank), and applies the optimizer to the union of the step's keys in its own copy of the
// parameters. A step moves about (W − 1) · k · 12 bytes into each rank (k keys per rank) where a
// dense ring allreduce moves 2 · 4 · P (W − 1) / W: with B rows per step of z non-zeros each and O
// outputs (k W ≈ B z O, P = (F + 1) O) the gather wins when 1.5 B z < F (train_config.hpp's
// SparseExchange::kAuto takes it then). Keys no row of a step touches keep their values and
// optimizer state (lazy updates, as on a parameter server).
#pragma once

#include <memory>
#include <vector>

#include "psml/comm/communicator.hpp"
#include "psml/exchange/exchange.hpp"
#include "psml/optim/optimizer_factory.hpp"
#include "psml/optim/schedule.hpp"
#include "psml/optim/sparse_update.hpp"

namespace psml::allreduce {

class SparseGatherExchange final : public exchange::KeyedExchange {
 public:
  SparseGatherExchange(const comm::Communicator& comm, std::size_t num_params,
                       const optim::OptimizerSpec& optimizer);

  void start(std::span<float> params, std::int64_t total_steps) override;
  std::string describe() const override {
    return "allreduce of sparse gradients: each step's keys and values gathered";
  }
  exchange::StepOutcome pull(std::span<const std::int64_t> keys, std::span<float> values,
                             exchange::EpochCounters* counters) override;
  void push(std::span<const std::int64_t> keys, std::span<const float> grad, double local_loss,
            std::int64_t local_rows, const exchange::StepInfo& info,
            exchange::EpochCounters& counters) override;
  // Writes this exchange's parameters (the span given is the loop's, empty for sparse learners).
  std::string save(checkpoint::Metadata meta, const exchange::CheckpointTarget& target,
                   std::span<const float> params) override;
  void resume(const std::string& path, const checkpoint::Metadata& meta,
              std::span<float> params) override;
  void finish(bool) override {}

 private:
  const comm::Communicator& comm_;
  optim::OptimizerSpec spec_;
  std::unique_ptr<optim::Optimizer> optimizer_;
  std::unique_ptr<optim::Schedule> schedule_;
  std::vector<float> params_, state_;
  bool stop_agreed_ = false;
  // Workspaces: the gathered lists and the merged step.
  std::vector<std::byte> mine_, all_;
  std::vector<std::pair<std::int64_t, float>> pairs_;
  std::vector<std::int64_t> keys_;
  std::vector<float> sums_;
  optim::SparseUpdate update_;
};

}  // namespace psml::allreduce
