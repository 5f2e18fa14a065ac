#include "psml/ps/shared_payloads.hpp"

#include <new>

#include "psml/comm/agreement.hpp"
#include "psml/core/error.hpp"

namespace psml::ps {
namespace {

constexpr std::size_t kLine = 64;    // one counter per cache line: no false sharing
constexpr std::size_t kPage = 4096;  // each array page-aligned

std::size_t round_up(std::size_t n, std::size_t to) {
  return (n + to - 1) / to * to;
}

std::size_t counters_bytes(const Roles& roles) {
  return round_up(static_cast<std::size_t>(roles.workers * roles.servers) * kLine, kPage);
}

std::size_t array_bytes(std::int64_t num_keys) {
  return round_up(static_cast<std::size_t>(num_keys) * sizeof(float), kPage);
}

// The counters, a gradient slot per worker, the published parameters.
std::size_t segment_bytes(const Roles& roles, std::int64_t num_keys) {
  return counters_bytes(roles) +
         static_cast<std::size_t>(roles.workers + 1) * array_bytes(num_keys);
}

}  // namespace

std::unique_ptr<SharedPayloads> SharedPayloads::make(PayloadPath path,
                                                     const comm::Communicator& world,
                                                     const Roles& roles, std::int64_t num_keys,
                                                     bool sparse, KeyLayoutKind layout) {
  if (path == PayloadPath::kMpi) return nullptr;
  const bool forced = path == PayloadPath::kSharedMemory;
  const std::size_t bytes = segment_bytes(roles, num_keys);
  const bool one_node = world.single_node();
  comm::run_agreed(world, [&] {
    if (!forced) return;
    if (sparse)
      throw error(
          "--ps-transport shm moves dense payloads; sparse data goes over MPI "
          "(--ps-transport auto)");
    if (layout != KeyLayoutKind::kRanges)
      throw error("--ps-transport shm needs --key-layout ranges");
    if (!one_node)
      throw error(
          "--ps-transport shm needs every rank on one node; these ranks span several "
          "(--ps-transport auto or mpi)");
  });
  if (sparse || layout != KeyLayoutKind::kRanges || !one_node) return nullptr;
  if (!forced && bytes > kAutoLimitBytes) return nullptr;
  return std::make_unique<SharedPayloads>(world, roles, num_keys);
}

SharedPayloads::SharedPayloads(const comm::Communicator& world, const Roles& roles,
                               std::int64_t num_keys)
    : roles_(roles),
      num_keys_(static_cast<std::size_t>(num_keys)),
      slot_bytes_(array_bytes(num_keys)) {
  segment_ = std::make_unique<comm::SharedSegment>(world, segment_bytes(roles, num_keys),
                                                   "--ps-transport mpi");
  // The counters start at zero; no rank uses them before the barrier.
  if (world.rank() == 0)
    for (int w = 0; w < roles.workers; ++w)
      for (int s = 0; s < roles.servers; ++s) new (&copied(w, s)) std::atomic<std::int64_t>(0);
  world.barrier("the shared-memory payloads of --mode ps");
}

std::atomic<std::int64_t>& SharedPayloads::copied(int worker, int server) const {
  const auto index = static_cast<std::size_t>(worker * roles_.servers + server);
  return *std::launder(
      reinterpret_cast<std::atomic<std::int64_t>*>(segment_->data() + index * kLine));
}

std::span<float> SharedPayloads::gradient(int worker) const {
  auto* at =
      segment_->data() + counters_bytes(roles_) + static_cast<std::size_t>(worker) * slot_bytes_;
  return {reinterpret_cast<float*>(at), num_keys_};
}

std::span<float> SharedPayloads::published() const {
  auto* at = segment_->data() + counters_bytes(roles_) +
             static_cast<std::size_t>(roles_.workers) * slot_bytes_;
  return {reinterpret_cast<float*>(at), num_keys_};
}

}  // namespace psml::ps
