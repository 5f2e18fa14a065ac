// Parameter-server payloads through shared memory, when every rank runs on one node and the model
// is dense with its keys in ranges (--ps-transport auto or shm). Over MPI, each step's gradient
// goes to the server and the parameters come back as copies into and out of Open MPI's
// shared-memory buffers, on the server's one core. Here a worker computes its gradient straight
// into its slot of a segment every rank maps, the server reads it there, and the server publishes
// its parameters into the segment once per update for the workers to copy. The MPI messages stay:
// they carry the headers (a flag says the payload is in the segment) and order everything.
//
// A slot is reused safely: a worker writes its next gradient only after every server answered its
// pull, and a server answers a worker's pull only after it used that worker's push (bsp: summed
// into the step; ssp, async: applied). The published parameters are a copy of the server's own,
// written again only once every worker has copied the previous publication it was sent (a counter
// per worker and server in the segment); the server's updates never wait for a worker.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>

#include "psml/comm/communicator.hpp"
#include "psml/comm/shared_segment.hpp"
#include "psml/ps/key_layout.hpp"
#include "psml/ps/payload_path.hpp"
#include "psml/ps/roles.hpp"

namespace psml::ps {

class SharedPayloads {
 public:
  // The segment auto uses at most: beyond it, MPI (whose buffers do not grow with the model).
  static constexpr std::size_t kAutoLimitBytes = std::size_t{1} << 30;

  // The segment for `roles.workers` gradients of `num_keys` floats and the published parameters,
  // if `path` and the run allow it: auto, when every rank of `world` is on one node, the data is
  // dense, the keys are in ranges and the segment is at most kAutoLimitBytes; shm, the same but
  // the size, or an error naming what rules it out. Null: payloads go over MPI. Collective.
  static std::unique_ptr<SharedPayloads> make(PayloadPath path, const comm::Communicator& world,
                                              const Roles& roles, std::int64_t num_keys,
                                              bool sparse, KeyLayoutKind layout);

  SharedPayloads(const comm::Communicator& world, const Roles& roles, std::int64_t num_keys);

  // Worker w's gradient (all keys).
  std::span<float> gradient(int worker) const;
  // The servers' published parameters (all keys: server s writes its range).
  std::span<float> published() const;
  // How many publications worker w has copied from server s (counted by the worker, read by the
  // server).
  std::atomic<std::int64_t>& copied(int worker, int server) const;

 private:
  Roles roles_;
  std::size_t num_keys_;
  std::size_t slot_bytes_;
  std::unique_ptr<comm::SharedSegment> segment_;
};

}  // namespace psml::ps
