#include "psml/core/simulation.hpp"

#include <stdexcept>

#ifdef PSML_SIMULATE
#include <smpi/smpi.h>
#endif

namespace psml::simulation {

#ifdef PSML_SIMULATE

// "benched": the time is charged as given, not measured (the build runs SMPI with
// smpi/simulate-computation off: code between MPI calls costs nothing unless charged).
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
