#include "psml/comm/framing.hpp"

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <utility>

#include "psml/comm/idle_wait.hpp"
#include "psml/comm/mpi_check.hpp"
#include "psml/comm/roll_call.hpp"
#include "psml/core/error.hpp"

namespace psml::comm {
namespace {

// MPI counts are int: larger payloads go as several frames of at most 1 GiB.
constexpr std::size_t kMaxFrame = std::size_t{1} << 30;

}  // namespace

SendHandle::SendHandle(SendHandle&& other) noexcept
    : header_(std::move(other.header_)), requests_(std::exchange(other.requests_, {})) {}

SendHandle& SendHandle::operator=(SendHandle&& other) {
  if (this != &other) {
    wait();  // may throw: this handle keeps its sends, `other` keeps its own
    header_ = std::move(other.header_);
    requests_ = std::exchange(other.requests_, {});
  }
  return *this;
}

SendHandle::~SendHandle() {
  if (!requests_.empty())
    MPI_Waitall(static_cast<int>(requests_.size()), requests_.data(), MPI_STATUSES_IGNORE);
}

void SendHandle::wait() {
  if (requests_.empty()) return;
  check_mpi(MPI_Waitall(static_cast<int>(requests_.size()), requests_.data(), MPI_STATUSES_IGNORE),
            "MPI_Waitall");
  requests_.clear();
}

std::span<const char> SendHandle::header_bytes() const {
  if (!header_) return {};
  return {header_->data(), header_->size()};
}

bool SendHandle::test() {
  if (requests_.empty()) return true;
  int done = 0;
  check_mpi(
      MPI_Testall(static_cast<int>(requests_.size()), requests_.data(), &done, MPI_STATUSES_IGNORE),
      "MPI_Testall");
  if (done) requests_.clear();
  return done != 0;
}

SendHandle Channel::isend_serialized(
    int dest, std::string header,
    std::initializer_list<std::span<const std::byte>> payloads) const {
  SendHandle handle;
  handle.header_ = std::make_unique<const std::string>(std::move(header));
  handle.requests_.reserve(1 + payloads.size());
  MPI_Request request;
  // MPI_Isend takes a non-const pointer in older bindings; the buffer is only read.
  check_mpi(
      MPI_Isend(const_cast<char*>(handle.header_->data()), static_cast<int>(handle.header_->size()),
                MPI_BYTE, dest, kHeaderTag, comm_.native(), &request),
      "MPI_Isend");
  handle.requests_.push_back(request);
  for (const auto payload : payloads) {
    for (std::size_t offset = 0; offset < payload.size(); offset += kMaxFrame) {
      const auto n = std::min(kMaxFrame, payload.size() - offset);
      check_mpi(MPI_Isend(const_cast<std::byte*>(payload.data() + offset), static_cast<int>(n),
                          MPI_BYTE, dest, kPayloadTag, comm_.native(), &request),
                "MPI_Isend");
      handle.requests_.push_back(request);
    }
  }
  return handle;
}

int Channel::receive_header_bytes(std::string& bytes, int source) const {
  if (holds_header(source)) {
    bytes = std::move(held_);
    held_.clear();
    return std::exchange(held_from_, -1);
  }
  MPI_Status status;
  check_mpi(MPI_Probe(source, kHeaderTag, comm_.native(), &status), "MPI_Probe");
  int count = 0;
  MPI_Get_count(&status, MPI_BYTE, &count);
  bytes.resize(static_cast<std::size_t>(count));
  check_mpi(MPI_Recv(bytes.data(), count, MPI_BYTE, status.MPI_SOURCE, kHeaderTag, comm_.native(),
                     MPI_STATUS_IGNORE),
            "MPI_Recv");
  return status.MPI_SOURCE;
}

int Channel::wait_header(double timeout_seconds, int source) const {
  if (holds_header(source)) return held_from_;
  if (timeout_seconds <= 0) {  // no deadline: block (a simulated rank's polls would cost time)
    // One header held at a time: each is taken by receive_header before the next wait.
    PSML_CHECK_LT(held_from_, 0, "a blocking wait for a header while another is held");
    if (arrival_.empty()) arrival_.resize(kMaxWaitedHeader);
    MPI_Status status;
    const int rc = MPI_Recv(arrival_.data(), kMaxWaitedHeader, MPI_BYTE, source, kHeaderTag,
                            comm_.native(), &status);
    int error_class = MPI_SUCCESS;
    MPI_Error_class(rc, &error_class);
    if (error_class == MPI_ERR_TRUNCATE)
      throw error("a message header from rank ", status.MPI_SOURCE, " is larger than ",
                  kMaxWaitedHeader, " bytes, the most a wait without --deadline takes");
    check_mpi(rc, "MPI_Recv");
    int count = 0;
    MPI_Get_count(&status, MPI_BYTE, &count);
    held_.assign(arrival_.data(), static_cast<std::size_t>(count));
    held_from_ = status.MPI_SOURCE;
    return held_from_;
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds);
  IdleWait idle;
  for (;;) {
    int flag = 0;
    MPI_Status status;
    check_mpi(MPI_Iprobe(source, kHeaderTag, comm_.native(), &flag, &status), "MPI_Iprobe");
    if (flag) return status.MPI_SOURCE;
    // Never spin for long (comm/idle_wait.hpp); answer roll calls (a rank that timed out
    // elsewhere asks who is alive) and check the clock now and then.
    idle.pause();
    if (idle.polls() % 64 != 0) continue;
    roll_call::answer();
    if (std::chrono::steady_clock::now() > deadline) return -1;
  }
}

void Channel::receive_payload(int source, std::span<std::byte> out) const {
  for (std::size_t offset = 0; offset < out.size(); offset += kMaxFrame) {
    const auto n = std::min(kMaxFrame, out.size() - offset);
    MPI_Status status;
    check_mpi(MPI_Recv(out.data() + offset, static_cast<int>(n), MPI_BYTE, source, kPayloadTag,
                       comm_.native(), &status),
              "MPI_Recv");
    int count = 0;
    MPI_Get_count(&status, MPI_BYTE, &count);
    if (static_cast<std::size_t>(count) != n)
      throw error("message frame from rank ", source, " has ", count, " bytes, expected ", n,
                  " (the ranks disagree on the message layout)");
  }
}

}  // namespace psml::comm
