#include "psml/comm/environment.hpp"

#include <mpi.h>

#include "psml/comm/mpi_check.hpp"
#include "psml/comm/roll_call.hpp"
#include "psml/core/error.hpp"

namespace psml::comm {
namespace {

int to_mpi(Threading t) {
  switch (t) {
    case Threading::kSingle:
      return MPI_THREAD_SINGLE;
    case Threading::kFunneled:
      return MPI_THREAD_FUNNELED;
    case Threading::kSerialized:
      return MPI_THREAD_SERIALIZED;
    case Threading::kMultiple:
      return MPI_THREAD_MULTIPLE;
  }
  return MPI_THREAD_SINGLE;
}

Threading from_mpi(int level) {
  if (level >= MPI_THREAD_MULTIPLE) return Threading::kMultiple;
  if (level >= MPI_THREAD_SERIALIZED) return Threading::kSerialized;
  if (level >= MPI_THREAD_FUNNELED) return Threading::kFunneled;
  return Threading::kSingle;
}

}  // namespace

Environment::Environment(int& argc, char**& argv, Threading required) {
  int provided = 0;
  check_mpi(MPI_Init_thread(&argc, &argv, to_mpi(required), &provided), "MPI_Init_thread");
  // Errors come back as return codes, which check_mpi() turns into exceptions with a message.
  check_mpi(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  check_mpi(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  provided_ = from_mpi(provided);
  roll_call::open();
  if (provided < to_mpi(required))
    throw error("the MPI library provides thread level ", provided, ", psml needs ",
                to_mpi(required));
}

Environment::~Environment() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return;
  roll_call::close();
  MPI_Finalize();
}

}  // namespace psml::comm
