#include "psml/core/simulation.hpp"

#include <stdexcept>

#ifdef PSML_SIMULATE
#include <smpi/smpi.h>
#endif

namespace psml::simulation {

#ifdef PSML_SIMULATE

// "benched": SMPI charges exactly `seconds` on the simulated host, on top of what it measures of
// the real code between MPI calls (smpi/simulate-computation, on: psml simulate charges it).
void charge_compute(double seconds) {
  smpi_execute_benched(seconds);
}

double clock_seconds() {
  return MPI_Wtime();
}

#else

void charge_compute(double) {
  throw std::logic_error("charge_compute: only the simulation build charges compute time");
}

double clock_seconds() {
  throw std::logic_error("clock_seconds: only the simulation build has a simulated clock");
}

#endif

}  // namespace psml::simulation
