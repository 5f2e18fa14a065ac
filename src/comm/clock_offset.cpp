#include "psml/comm/clock_offset.hpp"

#include <chrono>
#include <limits>

#include "psml/comm/mpi_check.hpp"

namespace psml::comm {
namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

constexpr int kPingTag = 1;

}  // namespace

double clock_offset_to_root(const Communicator& comm, int rounds) {
  if (comm.size() == 1) return 0.0;
  // Every rank is here before the blocking pings start: a rank that never comes is named.
  comm.barrier("the clock alignment of --trace");
  MPI_Comm pings = MPI_COMM_NULL;
  check_mpi(MPI_Comm_dup(comm.native(), &pings), "MPI_Comm_dup");
  double offset = 0.0;
  if (comm.rank() == 0) {
    for (int rank = 1; rank < comm.size(); ++rank)
      for (int i = 0; i < rounds; ++i) {
        double unused = 0;
        check_mpi(MPI_Recv(&unused, 1, MPI_DOUBLE, rank, kPingTag, pings, MPI_STATUS_IGNORE),
                  "MPI_Recv");
        const double root_now = now_seconds();
        check_mpi(MPI_Send(&root_now, 1, MPI_DOUBLE, rank, kPingTag, pings), "MPI_Send");
      }
  } else {
    double best_round_trip = std::numeric_limits<double>::infinity();
    for (int i = 0; i < rounds; ++i) {
      const double sent = now_seconds();
      check_mpi(MPI_Send(&sent, 1, MPI_DOUBLE, 0, kPingTag, pings), "MPI_Send");
      double root_now = 0;
      check_mpi(MPI_Recv(&root_now, 1, MPI_DOUBLE, 0, kPingTag, pings, MPI_STATUS_IGNORE),
                "MPI_Recv");
      const double received = now_seconds();
      if (received - sent < best_round_trip) {
        best_round_trip = received - sent;
        offset = (sent + received) / 2 - root_now;
      }
    }
  }
  check_mpi(MPI_Comm_free(&pings), "MPI_Comm_free");
  return offset;
}

}  // namespace psml::comm
