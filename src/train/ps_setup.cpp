#include "ps_setup.hpp"

#include "psml/train/option_rules.hpp"

namespace psml::train {

std::unique_ptr<ps::SharedPayloads> shared_payloads(const RunContext& run, std::int64_t num_keys) {
  const auto& config = run.config;
  num_keys = run.world.allreduce(num_keys, comm::ReduceOp::kMax);
  // Compressed pushes are for links slower than memory: they go over MPI.
  const bool compressed = config.compression.kind != compress::CompressionSpec::Kind::kNone;
  return ps::SharedPayloads::make(compressed ? ps::PayloadPath::kMpi : config.ps_transport,
                                  run.world, run.roles, num_keys, run.train_info.sparse,
                                  resolved_key_layout(config, run.train_info));
}

std::vector<MatrixBlock> agreed_matrices(const RunContext& run, std::vector<MatrixBlock> local) {
  const auto& config = run.config;
  const auto& world = run.world;
  if (config.compression.kind != compress::CompressionSpec::Kind::kPowerSgd) return {};
  std::int64_t count = static_cast<std::int64_t>(local.size());
  world.broadcast(std::span<std::int64_t>(&count, 1), 0);
  std::vector<std::int64_t> flat(3 * static_cast<std::size_t>(count));
  if (world.rank() == 0)
    for (std::size_t i = 0; i < local.size(); ++i) {
      flat[3 * i] = static_cast<std::int64_t>(local[i].offset);
      flat[3 * i + 1] = local[i].rows;
      flat[3 * i + 2] = local[i].cols;
    }
  world.broadcast(std::span<std::int64_t>(flat), 0);
  std::vector<MatrixBlock> matrices;
  for (std::size_t i = 0; i < flat.size(); i += 3)
    matrices.push_back({static_cast<std::size_t>(flat[i]), flat[i + 1], flat[i + 2]});
  return matrices;
}

}  // namespace psml::train
