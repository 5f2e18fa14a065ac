// When a server may answer a worker's pull (`--consistency`):
//   bsp     every step sees the average of all workers' gradients of the previous step: the
//           server applies one update per step, once every worker has pushed, and answers a pull
//           for step c once c updates are applied;
//   ssp:K   a worker at clock c (c pushes done) may read parameters only once every worker has
//           reached clock c − K; each push is applied as it arrives;
//   async   no waiting: pushes are applied as they arrive, pulls are answered at once.
#pragma once

#include <cstdint>
#include <string>

namespace psml::ps {

struct Consistency {
  enum class Kind { kBsp, kSsp, kAsync } kind = Kind::kBsp;
  std::int64_t bound = 0;  // K of ssp:K

  // Parses "bsp", "ssp:K" (K >= 0) or "async"; throws psml::Error naming --consistency.
  static Consistency parse(const std::string& text);
  std::string describe() const;
};

}  // namespace psml::ps
