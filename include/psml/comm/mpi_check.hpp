// Turns an MPI return code into a psml::Error naming the call and MPI's own explanation.
#pragma once

namespace psml::comm {

void check_mpi(int rc, const char* call);

}  // namespace psml::comm
