#include "psml/comm/roll_call.hpp"

#include <algorithm>
#include <chrono>
#include <climits>
#include <numeric>
#include <sstream>
#include <thread>
#include <vector>

#include "psml/comm/mpi_check.hpp"
#include "psml/core/count_of.hpp"

namespace psml::comm::roll_call {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kCallTag = 1, kAnswerTag = 2;
// How long a rank that called waits for the answers: every rank in a poll loop answers within
// milliseconds, even on a machine with more ranks than cores.
constexpr std::chrono::duration<double> kGrace{3.0};
// How long a rank that did not report waits for the reporter to end the job before it reports
// itself (the reporter may have been stopped too).
constexpr std::chrono::duration<double> kVerdict{10.0};

MPI_Comm g_comm = MPI_COMM_NULL;
Clock::time_point g_last_call;  // when this rank last answered a roll call
int g_lowest_caller = INT_MAX;  // the lowest world rank whose roll call this rank answered
const int kToken = 0;           // what every roll-call message carries: its tag says it all

void send(int world_rank, int tag) {
  MPI_Request request;
  check_mpi(MPI_Isend(&kToken, 1, MPI_INT, world_rank, tag, g_comm, &request), "MPI_Isend");
  check_mpi(MPI_Request_free(&request), "MPI_Request_free");  // the token outlives the send
}

// Receives every waiting message with `tag`; returns their senders.
std::vector<int> receive_all(int tag) {
  std::vector<int> senders;
  for (;;) {
    int flag = 0;
    MPI_Status status;
    check_mpi(MPI_Iprobe(MPI_ANY_SOURCE, tag, g_comm, &flag, &status), "MPI_Iprobe");
    if (!flag) return senders;
    int token = 0;
    check_mpi(MPI_Recv(&token, 1, MPI_INT, status.MPI_SOURCE, tag, g_comm, MPI_STATUS_IGNORE),
              "MPI_Recv");
    senders.push_back(status.MPI_SOURCE);
  }
}

// The world ranks of the members of `comm`, in its rank order.
std::vector<int> world_ranks_of(MPI_Comm comm) {
  MPI_Group group, world_group;
  check_mpi(MPI_Comm_group(comm, &group), "MPI_Comm_group");
  check_mpi(MPI_Comm_group(MPI_COMM_WORLD, &world_group), "MPI_Comm_group");
  int size = 0;
  MPI_Group_size(group, &size);
  std::vector<int> local(static_cast<std::size_t>(size)), world(local.size());
  std::iota(local.begin(), local.end(), 0);
  check_mpi(MPI_Group_translate_ranks(group, size, local.data(), world_group, world.data()),
            "MPI_Group_translate_ranks");
  MPI_Group_free(&group);
  MPI_Group_free(&world_group);
  return world;
}

// "rank 3" or "ranks 1,3".
std::string name_ranks(const std::vector<int>& ranks) {
  std::ostringstream text;
  text << (ranks.size() == 1 ? "rank " : "ranks ");
  for (std::size_t i = 0; i < ranks.size(); ++i) text << (i > 0 ? "," : "") << ranks[i];
  return text.str();
}

bool contains(const std::vector<int>& ranks, int rank) {
  return std::find(ranks.begin(), ranks.end(), rank) != ranks.end();
}

void pause_briefly() {
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

}  // namespace

void open() {
  check_mpi(MPI_Comm_dup(MPI_COMM_WORLD, &g_comm), "MPI_Comm_dup");
  check_mpi(MPI_Comm_set_errhandler(g_comm, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
}

void close() {
  if (g_comm != MPI_COMM_NULL) MPI_Comm_free(&g_comm);
}

void answer() {
  if (g_comm == MPI_COMM_NULL) return;
  for (const int caller : receive_all(kCallTag)) {
    send(caller, kAnswerTag);
    g_last_call = Clock::now();
    g_lowest_caller = std::min(g_lowest_caller, caller);
  }
}

bool peer_reporting() {
  return g_lowest_caller != INT_MAX && Clock::now() - g_last_call < kGrace + kVerdict;
}

std::vector<int> absent(MPI_Comm stuck) {
  const auto members = world_ranks_of(stuck);
  if (g_comm == MPI_COMM_NULL) return members;
  int me = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &me);
  for (const int rank : members)
    if (rank != me) send(rank, kCallTag);
  std::vector<int> answered{me};
  const auto called_at = Clock::now();
  while (Clock::now() - called_at < kGrace && answered.size() < members.size()) {
    for (const int rank : receive_all(kAnswerTag))
      if (!contains(answered, rank)) answered.push_back(rank);
    answer();  // ranks that timed out too call this one
    pause_briefly();
  }
  std::vector<int> missing;
  for (const int rank : members)
    if (!contains(answered, rank)) missing.push_back(rank);
  return missing;
}

void report(MPI_Comm stuck, const std::vector<int>& missing, const std::string& what,
            double deadline) {
  const auto members = world_ranks_of(stuck);
  const auto within = detail::concat(" within ", deadline, " s (--deadline) at ", what, " over ",
                                     count_of(static_cast<std::int64_t>(members.size()), "rank"));
  if (g_comm == MPI_COMM_NULL) throw DeadlineExpired("some rank did not arrive" + within);
  std::vector<int> waited;
  for (const int rank : members)
    if (!contains(missing, rank)) waited.push_back(rank);
  const auto message = missing.empty()
                           ? "every rank is alive, but the wait did not complete" + within +
                                 " (the ranks wait in different collectives)"
                           : detail::concat(name_ranks(missing), " did not arrive", within, "; ",
                                            name_ranks(waited), " waited");
  int me = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &me);
  if (g_lowest_caller < me) {
    // A lower rank timed out as well and reports; this one waits to be ended with the job.
    const auto since = Clock::now();
    while (Clock::now() - since < kVerdict) {
      answer();
      pause_briefly();
    }
  }
  throw DeadlineExpired(message);
}

}  // namespace psml::comm::roll_call
