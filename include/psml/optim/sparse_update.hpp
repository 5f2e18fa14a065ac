// One optimizer step on some keys of a parameter vector: their values and optimizer state
// gathered into compact arrays, stepped, scattered back. What a parameter server does with a
// sparse push and the allreduce exchange with a step's gathered keys: a lazy update, where keys
// not in the list keep their values and state.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "psml/optim/optimizer.hpp"

namespace psml::optim {

class SparseUpdate {
 public:
  // params and state as the optimizer keeps them for the whole vector (state: state_slots()
  // blocks of params.size()); keys sorted, unique, within it; grad one value per key.
  void step(Optimizer& optimizer, std::span<float> params, std::span<float> state,
            std::span<const std::int64_t> keys, std::span<const float> grad,
            const StepContext& ctx);

 private:
  std::vector<float> params_, state_;  // the keys' slices, reused
};

}  // namespace psml::optim
