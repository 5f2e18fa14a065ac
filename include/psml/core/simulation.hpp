// The simulation build (cmake -DPSML_SIMULATE=ON, compiled with SimGrid's smpicxx:
// docs/simulation.md) runs psml's real training loop, exchanges and servers as SMPI ranks on
// simulated hosts, all in one process. What differs from a real run is named here, and nowhere else
// below train/:
//   kSimulated          true in that build
//   charge_compute(s)   the simulated host computes for s seconds (a model's passes, not run)
//   clock_seconds()     the simulated clock, which psml::Clock reads in that build
#pragma once

namespace psml::simulation {

#ifdef PSML_SIMULATE
inline constexpr bool kSimulated = true;
#else
inline constexpr bool kSimulated = false;
#endif

// Advances this rank's simulated time by `seconds` of computation. Throws std::logic_error
// outside the simulation build.
void charge_compute(double seconds);

// Seconds on the simulated clock (MPI_Wtime). Throws std::logic_error outside the simulation
// build.
double clock_seconds();

}  // namespace psml::simulation
