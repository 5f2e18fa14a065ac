// Closed-form (ridge) linear regression, distributed by reducing sufficient statistics: each rank
// forms XᵀX and Xᵀy of its rows in double (X with a column of ones for the bias), one allreduce
// adds them, and every rank solves the same normal equations
//     (XᵀX + n λ I′) θ = Xᵀy,   I′ = I without the bias entry, n = global rows,
// which minimise (1/n) Σ ½ (x·w + b − y)² + (λ/2) ‖w‖², the objective SGD with --l2 λ minimises.
// The solve is a complete orthogonal decomposition: the minimum-norm solution when XᵀX is
// singular, as numpy's lstsq gives.
#pragma once

#include <vector>

#include "psml/comm/communicator.hpp"
#include "psml/data/shard.hpp"

namespace psml::stats {

// Returns θ = [w, b] in the linreg model's layout. Collective.
std::vector<float> solve_ridge(const data::Shard& shard, double l2, const comm::Communicator& comm);

}  // namespace psml::stats
