#include "psml/comm/communicator.hpp"

#include <climits>
#include <utility>

#include "psml/comm/mpi_check.hpp"
#include "psml/core/error.hpp"

namespace psml::comm {

void check_mpi(int rc, const char* call) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(rc, text, &length);
  throw error(call, " failed: ", std::string(text, static_cast<std::size_t>(length)));
}

MPI_Op mpi_op(ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum:
      return MPI_SUM;
    case ReduceOp::kMin:
      return MPI_MIN;
    case ReduceOp::kMax:
      return MPI_MAX;
  }
  return MPI_SUM;
}

Communicator Communicator::world() {
  return Communicator(MPI_COMM_WORLD, false);
}

Communicator Communicator::self() {
  return Communicator(MPI_COMM_SELF, false);
}

Communicator::Communicator(MPI_Comm comm, bool owned) : comm_(comm), owned_(owned) {
  check_mpi(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
  check_mpi(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
}

Communicator::Communicator(Communicator&& other) noexcept
    : comm_(std::exchange(other.comm_, MPI_COMM_NULL)),
      owned_(std::exchange(other.owned_, false)),
      rank_(other.rank_),
      size_(other.size_) {}

Communicator& Communicator::operator=(Communicator&& other) noexcept {
  if (this != &other) {
    this->~Communicator();
    comm_ = std::exchange(other.comm_, MPI_COMM_NULL);
    owned_ = std::exchange(other.owned_, false);
    rank_ = other.rank_;
    size_ = other.size_;
  }
  return *this;
}

Communicator::~Communicator() {
  if (owned_ && comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
}

void Communicator::allreduce_raw(void* data, long count, MPI_Datatype type, ReduceOp op) const {
  // MPI counts are int: reduce very large spans in pieces.
  auto* bytes = static_cast<char*>(data);
  int type_size = 0;
  check_mpi(MPI_Type_size(type, &type_size), "MPI_Type_size");
  while (count > 0) {
    const int piece = static_cast<int>(std::min<long>(count, INT_MAX / 2));
    check_mpi(MPI_Allreduce(MPI_IN_PLACE, bytes, piece, type, mpi_op(op), comm_), "MPI_Allreduce");
    bytes += static_cast<long>(piece) * type_size;
    count -= piece;
  }
}

void Communicator::broadcast_raw(void* data, long count, MPI_Datatype type, int root) const {
  auto* bytes = static_cast<char*>(data);
  int type_size = 0;
  check_mpi(MPI_Type_size(type, &type_size), "MPI_Type_size");
  while (count > 0) {
    const int piece = static_cast<int>(std::min<long>(count, INT_MAX / 2));
    check_mpi(MPI_Bcast(bytes, piece, type, root, comm_), "MPI_Bcast");
    bytes += static_cast<long>(piece) * type_size;
    count -= piece;
  }
}

void Communicator::barrier() const {
  check_mpi(MPI_Barrier(comm_), "MPI_Barrier");
}

Communicator Communicator::split(int color, int key) const {
  MPI_Comm out = MPI_COMM_NULL;
  check_mpi(MPI_Comm_split(comm_, color, key, &out), "MPI_Comm_split");
  check_mpi(MPI_Comm_set_errhandler(out, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  return Communicator(out, true);
}

void Communicator::abort(int code) const {
  MPI_Abort(comm_, code);
  std::abort();  // MPI_Abort does not return; this keeps [[noreturn]] honest if it ever does
}

}  // namespace psml::comm
