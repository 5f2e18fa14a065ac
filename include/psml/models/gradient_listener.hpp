// What a model tells the gradient exchange while backprop runs, so that communication overlaps
// with computation (allreduce/gradient_allreduce.hpp): which keys' gradient is final, the last
// layers' first, and moments between kernels when collectives in flight may progress (Open MPI
// moves a non-blocking collective along only inside MPI calls).
#pragma once

#include <cstddef>

namespace psml::models {

class GradientListener {
 public:
  virtual ~GradientListener() = default;
  // The gradient of keys [first, first + count) is final. Ranges come in decreasing key order.
  virtual void ready(std::size_t first, std::size_t count) = 0;
  // Between kernels: collectives in flight may progress now.
  virtual void progress() = 0;
  // Whether anything is in flight to progress: if not, kernels run whole, not in pieces.
  virtual bool in_flight() const = 0;
};

}  // namespace psml::models
