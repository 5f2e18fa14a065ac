// Vectors for memory Eigen maps (parameters, gradients). Eigen's vectorised kernels choose how to
// split a loop by the address of the data; malloc's 16-byte alignment varies from run to run with
// the heap's layout, and with it the order of floating-point additions. 64-byte alignment (a cache
// line, an AVX-512 register) makes a run's arithmetic the same every time.
#pragma once

#include <Eigen/Core>
#include <vector>

namespace psml {

template <class T>
using AlignedVector = std::vector<T, Eigen::aligned_allocator<T>>;

}  // namespace psml
