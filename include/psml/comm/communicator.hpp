// A communicator and the typed collectives psml's algorithms need, over the MPI C API.
// Algorithms talk to this class, never to MPI directly, so they read as the math they implement.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace psml {
class CallWatchdog;
}

namespace psml::comm {

enum class ReduceOp { kSum, kMin, kMax };
// Whether an allreduce under a deadline first checks that every rank has arrived (kCheck), or the
// caller has just done so with barrier() (kChecked: it times the wait for the last rank apart).
enum class Arrival { kCheck, kChecked };

template <class T>
MPI_Datatype mpi_type() {
  if constexpr (std::is_same_v<T, float>)
    return MPI_FLOAT;
  else if constexpr (std::is_same_v<T, double>)
    return MPI_DOUBLE;
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return MPI_INT32_T;
  else if constexpr (std::is_same_v<T, std::int64_t>)
    return MPI_INT64_T;
  else if constexpr (std::is_same_v<T, std::uint64_t>)
    return MPI_UINT64_T;
  else if constexpr (std::is_same_v<T, std::uint8_t>)
    return MPI_UINT8_T;
  else
    static_assert(sizeof(T) == 0, "no MPI datatype for this type");
}

MPI_Op mpi_op(ReduceOp op);

// Non-blocking collectives in flight, started by a Communicator and completed by its wait() (or
// found complete by test()). The memory each one works on must stay put until then.
class RequestSet {
 public:
  RequestSet() = default;
  RequestSet(const RequestSet&) = delete;
  RequestSet& operator=(const RequestSet&) = delete;
  // Lets the collectives progress (Open MPI progresses them only inside MPI calls); true once
  // every one has completed.
  bool test();
  bool empty() const { return requests_.empty(); }

 private:
  friend class Communicator;
  std::vector<MPI_Request> requests_;  // completed ones become MPI_REQUEST_NULL
};

// Owns the communicators it creates (split, with_deadline), borrows MPI_COMM_WORLD. Move-only.
//
// With a deadline, no collective waits forever for a rank that does not arrive (stopped, stuck,
// far too slow): the rank is named by a roll call (roll_call.hpp) and the job ends. Broadcasts
// and barriers run as non-blocking requests polled against the deadline. An allreduce, the one
// collective of every training step, first checks arrival that way (a non-blocking barrier), then
// runs as Open MPI's blocking MPI_Allreduce under a watchdog: the non-blocking MPI_Iallreduce
// reaches only about half of its bus bandwidth here (`psml bench allreduce`). A rank that stops
// in the tiny window between the two is not named, but the watchdog still ends the job at the
// deadline.
class Communicator {
 public:
  static Communicator world();
  // This process alone (MPI_COMM_SELF): for work one rank does by itself, such as writing a file.
  static Communicator self();

  Communicator(Communicator&& other) noexcept;
  Communicator& operator=(Communicator&& other) noexcept;
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;
  ~Communicator();

  // A duplicate whose collectives (and those of communicators split from it) wait at most
  // `seconds` (0: forever) for the other ranks. Collective.
  Communicator with_deadline(double seconds) const;

  int rank() const { return rank_; }
  int size() const { return size_; }
  MPI_Comm native() const { return comm_; }

  // Element-wise reduction of `inout` across all ranks, result on every rank.
  template <class T>
  void allreduce(std::span<T> inout, ReduceOp op = ReduceOp::kSum,
                 Arrival arrival = Arrival::kCheck) const {
    allreduce_raw(inout.data(), static_cast<long>(inout.size()), mpi_type<T>(), op, arrival);
  }
  template <class T>
  T allreduce(T value, ReduceOp op) const {
    allreduce(std::span<T>(&value, 1), op);
    return value;
  }
  template <class T>
  void broadcast(std::span<T> data, int root) const {
    broadcast_raw(data.data(), static_cast<long>(data.size()), mpi_type<T>(), root);
  }
  // `what` names it in a deadline error.
  void barrier(const char* what = "MPI_Barrier") const;

  // Every rank's `mine` (the same size on each) into `all`, in rank order, on every rank. `what`
  // names it in a deadline error.
  void allgather(std::span<const std::byte> mine, std::span<std::byte> all, const char* what) const;

  // Sends `send` to rank `to` while receiving `receive` (exactly its size) from rank `from`: one
  // step of a ring. `what` names it in a deadline error.
  void sendrecv(std::span<const std::byte> send, int to, std::span<std::byte> receive, int from,
                const char* what) const;

  // `text` of rank `root`, on every rank.
  std::string broadcast(std::string text, int root) const;

  // Every rank's `text` on rank `root`, in rank order (empty elsewhere). `what` names it in a
  // deadline error.
  std::vector<std::string> gather(const std::string& text, int root, const char* what) const;

  // Starts a sum of `inout` over every rank without waiting for it; it completes in wait(set).
  template <class T>
  void start_allreduce(std::span<T> inout, RequestSet& set) const {
    start_allreduce_raw(inout.data(), static_cast<long>(inout.size()), mpi_type<T>(), set);
  }
  // Completes every collective of `set` (`what` names them in a deadline error) and empties it.
  void wait(RequestSet& set, const char* what) const;

  // Polls `done()` until it returns true, never spinning for long (comm/idle_wait.hpp), under
  // this communicator's deadline: past it, a roll call names the ranks that are not there
  // (`what` names the wait). For waits on memory the ranks share (allreduce/shared_memory_reduce).
  template <class Done>
  void wait_until(Done&& done, const char* what) const {
    using Function = std::remove_reference_t<Done>;
    poll_until([](void* d) { return (*static_cast<Function*>(d))(); },
               const_cast<void*>(static_cast<const void*>(&done)), what);
  }

  // Whether every rank of this communicator runs on the same node (can share memory). Collective.
  bool single_node() const;

  // Ranks with the same colour form a new communicator, ordered by key.
  Communicator split(int color, int key) const;

  // Ends every process of the job. For errors that not every rank knows about.
  [[noreturn]] void abort(int code) const;

 private:
  Communicator(MPI_Comm comm, bool owned);
  void allreduce_raw(void* data, long count, MPI_Datatype type, ReduceOp op, Arrival arrival) const;
  void broadcast_raw(void* data, long count, MPI_Datatype type, int root) const;
  void start_allreduce_raw(void* data, long count, MPI_Datatype type, RequestSet& set) const;
  // Completes `requests` of collective `what`, within the deadline.
  void wait(std::span<MPI_Request> requests, const char* what) const;
  void poll_until(bool (*done)(void*), void* context, const char* what) const;

  MPI_Comm comm_ = MPI_COMM_NULL;
  bool owned_ = false;
  int rank_ = 0;
  int size_ = 1;
  void set_deadline(double seconds);

  double deadline_ = 0;                     // seconds; 0: wait forever
  std::unique_ptr<CallWatchdog> watchdog_;  // with a deadline: around blocking collectives
};

}  // namespace psml::comm
