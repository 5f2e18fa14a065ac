#include "psml/comm/communicator.hpp"

#include <sched.h>

#include <chrono>
#include <climits>
#include <utility>

#include "psml/comm/idle_wait.hpp"
#include "psml/comm/mpi_check.hpp"
#include "psml/comm/roll_call.hpp"
#include "psml/core/call_watchdog.hpp"
#include "psml/core/count_of.hpp"
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
      size_(other.size_),
      deadline_(other.deadline_),
      watchdog_(std::move(other.watchdog_)) {}

Communicator& Communicator::operator=(Communicator&& other) noexcept {
  if (this != &other) {
    this->~Communicator();
    comm_ = std::exchange(other.comm_, MPI_COMM_NULL);
    owned_ = std::exchange(other.owned_, false);
    rank_ = other.rank_;
    size_ = other.size_;
    deadline_ = other.deadline_;
    watchdog_ = std::move(other.watchdog_);
  }
  return *this;
}

Communicator::~Communicator() {
  if (owned_ && comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
}

void Communicator::set_deadline(double seconds) {
  deadline_ = seconds;
  if (seconds > 0)
    watchdog_ = std::make_unique<CallWatchdog>(
        "rank " + std::to_string(rank_) + ": an MPI_Allreduce over " + count_of(size_, "rank") +
        " did not complete within " + std::to_string(seconds) +
        " s (--deadline) after every rank had arrived at it: a rank stopped or died inside it");
}

void Communicator::allreduce_raw(void* data, long count, MPI_Datatype type, ReduceOp op,
                                 Arrival arrival) const {
  // MPI counts are int: reduce very large spans in pieces.
  auto* bytes = static_cast<char*>(data);
  int type_size = 0;
  check_mpi(MPI_Type_size(type, &type_size), "MPI_Type_size");
  while (count > 0) {
    const int piece = static_cast<int>(std::min<long>(count, INT_MAX / 2));
    if (deadline_ > 0) {
      // Every rank has arrived (or the roll call names who did not), then the fast blocking call.
      if (arrival == Arrival::kCheck || bytes != data) {
        MPI_Request arrived;
        check_mpi(MPI_Ibarrier(comm_, &arrived), "MPI_Ibarrier");
        wait(std::span<MPI_Request>(&arrived, 1), "MPI_Allreduce");
      }
      watchdog_->arm(deadline_);
      check_mpi(MPI_Allreduce(MPI_IN_PLACE, bytes, piece, type, mpi_op(op), comm_),
                "MPI_Allreduce");
      watchdog_->disarm();
    } else {
      check_mpi(MPI_Allreduce(MPI_IN_PLACE, bytes, piece, type, mpi_op(op), comm_),
                "MPI_Allreduce");
    }
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
    if (deadline_ > 0) {
      MPI_Request request;
      check_mpi(MPI_Ibcast(bytes, piece, type, root, comm_, &request), "MPI_Ibcast");
      wait(std::span<MPI_Request>(&request, 1), "MPI_Bcast");
    } else {
      check_mpi(MPI_Bcast(bytes, piece, type, root, comm_), "MPI_Bcast");
    }
    bytes += static_cast<long>(piece) * type_size;
    count -= piece;
  }
}

void Communicator::barrier(const char* what) const {
  if (deadline_ > 0) {
    MPI_Request request;
    check_mpi(MPI_Ibarrier(comm_, &request), "MPI_Ibarrier");
    wait(std::span<MPI_Request>(&request, 1), what);
  } else {
    check_mpi(MPI_Barrier(comm_), "MPI_Barrier");
  }
}

void Communicator::allgather(std::span<const std::byte> mine, std::span<std::byte> all,
                             const char* what) const {
  if (mine.size() > INT_MAX) throw error(what, ": more than 2 GB from one rank");
  if (all.size() != mine.size() * static_cast<std::size_t>(size_))
    throw error(what, ": room for ", all.size(), " bytes, ", size_, " ranks send ", mine.size());
  MPI_Request request;
  check_mpi(MPI_Iallgather(mine.data(), static_cast<int>(mine.size()), MPI_BYTE, all.data(),
                           static_cast<int>(mine.size()), MPI_BYTE, comm_, &request),
            "MPI_Iallgather");
  wait(std::span<MPI_Request>(&request, 1), what);
}

void Communicator::sendrecv(std::span<const std::byte> send, int to, std::span<std::byte> receive,
                            int from, const char* what) const {
  constexpr int kRingTag = 0x7269;  // point-to-point traffic of its own on this communicator
  if (send.size() > INT_MAX || receive.size() > INT_MAX)
    throw error(what, ": more than 2 GB in one message");
  MPI_Request requests[2];
  check_mpi(MPI_Irecv(receive.data(), static_cast<int>(receive.size()), MPI_BYTE, from, kRingTag,
                      comm_, &requests[0]),
            "MPI_Irecv");
  check_mpi(MPI_Isend(send.data(), static_cast<int>(send.size()), MPI_BYTE, to, kRingTag, comm_,
                      &requests[1]),
            "MPI_Isend");
  wait(std::span<MPI_Request>(requests), what);
}

std::string Communicator::broadcast(std::string text, int root) const {
  auto length = static_cast<std::int64_t>(text.size());
  broadcast(std::span<std::int64_t>(&length, 1), root);
  text.resize(static_cast<std::size_t>(length));
  broadcast(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(text.data()), text.size()),
            root);
  return text;
}

std::vector<std::string> Communicator::gather(const std::string& text, int root,
                                              const char* what) const {
  // Sizes first, then the texts; each step's requests are waited on under the deadline.
  auto length = static_cast<long long>(text.size());
  std::vector<long long> lengths(rank_ == root ? static_cast<std::size_t>(size_) : 0);
  MPI_Request request;
  check_mpi(MPI_Igather(&length, 1, MPI_LONG_LONG, lengths.data(), 1, MPI_LONG_LONG, root, comm_,
                        &request),
            "MPI_Igather");
  wait(std::span<MPI_Request>(&request, 1), what);
  std::vector<int> counts, displacements;
  std::string joined;
  if (rank_ == root) {
    long long total = 0;
    for (const long long n : lengths) {
      if (total + n > INT_MAX) throw error(what, ": more than 2 GB to gather on rank ", root);
      counts.push_back(static_cast<int>(n));
      displacements.push_back(static_cast<int>(total));
      total += n;
    }
    joined.resize(static_cast<std::size_t>(total));
  }
  if (length > INT_MAX) throw error(what, ": more than 2 GB to send from rank ", rank_);
  check_mpi(MPI_Igatherv(text.data(), static_cast<int>(length), MPI_CHAR, joined.data(),
                         counts.data(), displacements.data(), MPI_CHAR, root, comm_, &request),
            "MPI_Igatherv");
  wait(std::span<MPI_Request>(&request, 1), what);
  std::vector<std::string> texts;
  for (std::size_t r = 0; r < counts.size(); ++r)
    texts.push_back(joined.substr(static_cast<std::size_t>(displacements[r]),
                                  static_cast<std::size_t>(counts[r])));
  return texts;
}

bool RequestSet::test() {
  int done = 0;
  check_mpi(
      MPI_Testall(static_cast<int>(requests_.size()), requests_.data(), &done, MPI_STATUSES_IGNORE),
      "MPI_Testall");
  return done != 0;
}

void Communicator::start_allreduce_raw(void* data, long count, MPI_Datatype type,
                                       RequestSet& set) const {
  auto* bytes = static_cast<char*>(data);
  int type_size = 0;
  check_mpi(MPI_Type_size(type, &type_size), "MPI_Type_size");
  while (count > 0) {
    const int piece = static_cast<int>(std::min<long>(count, INT_MAX / 2));
    MPI_Request request;
    check_mpi(MPI_Iallreduce(MPI_IN_PLACE, bytes, piece, type, MPI_SUM, comm_, &request),
              "MPI_Iallreduce");
    set.requests_.push_back(request);
    bytes += static_cast<long>(piece) * type_size;
    count -= piece;
  }
}

void Communicator::wait(RequestSet& set, const char* what) const {
  if (deadline_ > 0)
    wait(std::span<MPI_Request>(set.requests_), what);
  else
    check_mpi(MPI_Waitall(static_cast<int>(set.requests_.size()), set.requests_.data(),
                          MPI_STATUSES_IGNORE),
              what);
  set.requests_.clear();
}

void Communicator::wait(std::span<MPI_Request> requests, const char* what) const {
  struct Pending {
    std::span<MPI_Request> requests;
    const char* what;
  } waiting{requests, what};
  poll_until(
      [](void* p) {
        auto& pending = *static_cast<Pending*>(p);
        int done = 0;
        check_mpi(MPI_Testall(static_cast<int>(pending.requests.size()), pending.requests.data(),
                              &done, MPI_STATUSES_IGNORE),
                  pending.what);
        return done != 0;
      },
      &waiting, what);
}

void Communicator::poll_until(bool (*done)(void*), void* context, const char* what) const {
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + std::chrono::duration<double>(deadline_);
  int extensions = 0;
  IdleWait idle(IdleWait::Sleep::kNever);
  for (;;) {
    if (done(context)) return;
    // Never spin for long (comm/idle_wait.hpp): more ranks than cores is common; answer the
    // roll calls of ranks that timed out elsewhere, and check the clock now and then.
    idle.pause();
    if (idle.polls() % 64 != 0) continue;
    roll_call::answer();
    if (deadline_ <= 0 || Clock::now() < deadline) continue;
    // Twice at most, the wait goes on: while another rank names the late ones, or when every
    // rank is alive (they wait for something with a deadline of its own, a server's answer).
    if (extensions < 2 && roll_call::peer_reporting()) {
      deadline = Clock::now() + std::chrono::seconds(15);
      ++extensions;
      continue;
    }
    const auto missing = roll_call::absent(comm_);
    if (extensions < 2 && missing.empty()) {
      deadline = Clock::now() + std::chrono::duration<double>(deadline_);
      ++extensions;
      continue;
    }
    roll_call::report(comm_, missing, what, deadline_);
  }
}

bool Communicator::single_node() const {
  MPI_Comm node = MPI_COMM_NULL;
  check_mpi(MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node),
            "MPI_Comm_split_type");
  int node_size = 0;
  MPI_Comm_size(node, &node_size);
  MPI_Comm_free(&node);
  // Every rank learns whether every node holds all the ranks.
  return allreduce(node_size, ReduceOp::kMin) == size_;
}

Communicator Communicator::split(int color, int key) const {
  MPI_Comm out = MPI_COMM_NULL;
  check_mpi(MPI_Comm_split(comm_, color, key, &out), "MPI_Comm_split");
  check_mpi(MPI_Comm_set_errhandler(out, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  Communicator result(out, true);
  result.set_deadline(deadline_);
  return result;
}

Communicator Communicator::with_deadline(double seconds) const {
  MPI_Comm out = MPI_COMM_NULL;
  check_mpi(MPI_Comm_dup(comm_, &out), "MPI_Comm_dup");
  check_mpi(MPI_Comm_set_errhandler(out, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  Communicator result(out, true);
  result.set_deadline(seconds);
  return result;
}

void Communicator::abort(int code) const {
  MPI_Abort(comm_, code);
  std::abort();  // MPI_Abort does not return; this keeps [[noreturn]] honest if it ever does
}

}  // namespace psml::comm
