// A worker's view of the parameter servers, in ps-lite's shape: push gradient sums, pull
// parameters, each a request that returns a handle at once and completes in wait(), with the key
// space [0, P) divided among the servers by the key layout (ps/key_layout.hpp).
//
//   WorkerClient client(transport, roles, worker, num_keys);
//   client.wait(client.pull(params));                     // initial parameters
//   client.set_step(step, stop_wanted);                   // each step, before its pushes
//   client.wait(client.push(KeyRange{0, P}, grad, rows)); // its gradient sum over rows rows
//   client.wait(client.pull(params));                     // the next step's parameters
//   client.done();                                        // after the last step
//
// A step is one push to every server: dense pushes name a key range, whole servers' ranges
// (backprop pushes the last layers' servers while the first layers compute), sparse ones their
// sorted, unique keys (every server hears from the step, with or without keys of its own).
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "psml/compress/gradient_codec.hpp"
#include "psml/ps/key_layout.hpp"
#include "psml/ps/messages.hpp"
#include "psml/ps/roles.hpp"
#include "psml/ps/shared_payloads.hpp"
#include "psml/ps/transport.hpp"

namespace psml::ps {

// What one request saw, from the call that posted it to the end of its wait().
struct ExchangeStats {
  double push_seconds = 0;  // posting the pushes until they have left (the server has them)
  double pull_seconds = 0;  // request to reply, less the servers' hold-back and updates
  double wait_seconds = 0;  // time servers held the pull back for consistency (max over servers)
  double optimizer_seconds = 0;  // servers' update time on this worker's path (max over servers)
  std::int64_t clock_gap = 0;    // this worker's clock minus the slowest worker's, when answered
  double bytes_sent = 0;         // payload (values and keys) since the previous stats
  double bytes_received = 0;
  std::vector<std::int64_t> staleness;  // pulls, per server: of the previous push, as applied
};

class WorkerClient {
 public:
  // A push or pull in flight, until wait() has returned on it. Handles increase with each
  // request; waiting on one that completed already returns at once.
  using Handle = std::int64_t;

  // Worker `worker` of roles.workers, speaking over `transport` (which must outlive the client).
  // `deadline_seconds`: the longest wait for a server's answer before the job is ended.
  // `shared`: dense pushes and pulls through shared memory (ps/shared_payloads.hpp), or null.
  // `compression`: how dense pushes are encoded (each server's share by its own codec, top-k
  // and PowerSGD with their own residual); `matrices`: the model's weight matrices, for powersgd
  // (under the ranges layout: each server's codec factors the whole rows its range holds).
  WorkerClient(Transport& transport, const Roles& roles, int worker, std::int64_t num_keys,
               double deadline_seconds = 300, KeyLayoutKind layout = KeyLayoutKind::kRanges,
               const SharedPayloads* shared = nullptr,
               const compress::CompressionSpec& compression = {},
               std::span<const MatrixBlock> matrices = {});

  // Steps pushed so far: a step's first push advances it, the one place it changes in a run.
  std::int64_t clock() const { return clock_; }
  // Resumed from a checkpoint written after `clock` steps: pushes continue from there.
  void resume_at(std::int64_t clock) { clock_ = clock; }
  std::int64_t num_keys() const { return num_keys_; }

  // Worker 0, once, before anyone pulls: sends every server its range of the initial values and
  // the number of global steps the learning-rate schedule spans.
  void init_servers(std::span<const float> params, std::int64_t total_steps);
  // The same with every key starting at zero, without any dense vector of all P keys.
  void init_servers_zero(std::int64_t total_steps);
  // Resumed: the servers loaded their ranges from a checkpoint; they only learn the schedule.
  void init_servers_loaded(std::int64_t total_steps);

  // Has the servers write a checkpoint of their ranges; returns the file once it is committed.
  std::string checkpoint(const checkpoint::Metadata& meta, const checkpoint::Destination& to);

  // The coming step's pushes are for training step `global_step` (the servers check it) and say
  // whether this worker wants to stop (SIGTERM / SIGINT). Without it, pushes are numbered by
  // the clock.
  void set_step(std::int64_t global_step, bool stop_wanted) {
    step_ = global_step;
    stop_wanted_ = stop_wanted;
  }

  // Dense: the gradient sums of keys [keys.first, keys.end()) over `rows` rows, one value per key.
  // The range is whole servers' ranges (keys_of(s); blocks layout: all P keys). `grad` must not
  // change until wait().
  //   client.wait(client.push(KeyRange{0, client.num_keys()}, grad, rows));
  Handle push(KeyRange keys, std::span<const float> grad, std::int64_t rows);
  // Sparse: `keys` sorted and unique, one value of `grad` per key; neither may change until
  // wait().
  //   client.wait(client.push(std::span<const std::int64_t>(keys), grad, rows));
  Handle push(std::span<const std::int64_t> keys, std::span<const float> grad, std::int64_t rows);

  // Dense: the servers' current values of all P keys into `params`, once wait() returns. One
  // pull at a time.
  //   client.wait(client.pull(params));
  Handle pull(std::span<float> params);
  // Sparse: the values of `keys` (sorted and unique; unchanged until wait()) into `values`.
  //   client.wait(client.pull(std::span<const std::int64_t>(keys), values));
  Handle pull(std::span<const std::int64_t> keys, std::span<float> values);

  // Blocks until the request has completed: a push has left (with every push before it), a
  // pull's values have arrived. Returns what it saw.
  ExchangeStats wait(Handle handle);

  // Lets pushes in flight progress (MPI moves large messages only inside its calls); true while
  // any is still in flight.
  bool progress_pushes() { return transport_.progress(); }

  // A dense push may cover part of the keys (the ranges layout, where each server's keys are
  // one run): what backprop pushes early.
  bool pushes_early() const { return layout_.kind() == KeyLayoutKind::kRanges; }
  int servers() const { return roles_.servers; }
  // The first key and count of server s's keys (ranges layout).
  KeyRange keys_of(int server) const {
    const auto& r = server_keys_[static_cast<std::size_t>(server)];
    return {r.first, r.count()};
  }
  // Server s has the current step's push.
  bool pushed(int server) const { return pushed_[static_cast<std::size_t>(server)] != 0; }

  // Server 0 decided a stop, and this worker has reached the clock it named: it stops now.
  // Every worker stops at the same clock.
  bool stop_reached() const { return stop_at_ >= 0 && clock_ >= stop_at_; }

  // Tells every server this worker has finished (`stopped`: early, on a stop signal).
  void done(bool stopped = false);

 private:
  // Server s's share of one request: its keys (sparse), its values (pushes), and where its reply
  // goes (pulls). Under the ranges layout these are views of the caller's arrays; under blocks
  // they are gathered into (and the reply scattered from) the part's own buffers, kept across
  // steps.
  struct Part {
    std::span<const std::int64_t> keys;
    std::span<const float> push;
    std::span<float> reply;
    std::vector<std::int64_t> own_keys;  // blocks, sparse: the server's keys, in order
    std::vector<std::size_t> positions;  // blocks, sparse: where they sit in the caller's keys
    std::vector<float> own_values;
  };
  // The pull in flight.
  struct PendingPull {
    Handle handle = -1;
    bool sparse = false;
    double posted = 0;
    std::span<float> out;
  };
  // Divides sparse keys and their pushed values, or their reply destination, among all servers.
  void divide_sparse(std::vector<Part>& parts, std::span<const std::int64_t> keys,
                     std::span<const float> push, std::span<float> reply);
  // Divides dense values (pushed, or the reply destination) of keys [keys.first, keys.end()),
  // whole servers' ranges, among those servers; returns the first and one past the last.
  std::pair<int, int> divide_dense(std::vector<Part>& parts, KeyRange keys,
                                   std::span<const float> push, std::span<float> reply);
  // Blocks layout: copies server s's reply into the caller's array.
  void scatter_reply(int server, bool sparse, std::span<float> reply);
  // Sends every server `message` (with its keys of `values`, if given) and waits until all
  // have left.
  void send_to_servers(const Message& message, std::span<const float> values = {});
  // Opens a step unless one is open: the one place the clock advances.
  void open_step();
  // Posts server s's Push of the current step (after a divide of push_parts_).
  void post_push(int server, bool sparse, std::int64_t rows);
  // Receives server s's reply to the pending pull into its part; records what it says.
  void receive_reply(int server, ExchangeStats& stats);
  // Receives the next message from a server, or ends the job once the deadline passes.
  void receive_from_server(Message& message, int server_rank, const char* what);

  Transport& transport_;
  Roles roles_;
  int worker_;
  std::int64_t num_keys_;
  double deadline_;
  KeyLayout layout_;
  std::vector<data::StridedRange> server_keys_;  // what each server holds
  std::vector<Part> push_parts_, pull_parts_;
  std::vector<char> pushed_;  // per server: has the current step's push (none: no step open)
  std::int64_t clock_ = 0;
  Handle next_handle_ = 0;
  std::vector<std::pair<Handle, double>> pushes_in_flight_;  // and when each was posted
  PendingPull pending_pull_;
  const SharedPayloads* shared_;
  std::vector<compress::GradientCodec> codecs_;  // --compression: per server
  std::vector<std::vector<std::byte>> encoded_;  // per server: its encoded push in flight
  double bytes_sent_ = 0;  // payload sent and received not yet in an ExchangeStats
  double bytes_received_ = 0;
  std::vector<std::int64_t> versions_;  // server version of the values last pulled, per server
  std::int64_t step_ = -1;              // the step of the next push (-1: the clock)
  bool stop_wanted_ = false;            // this worker received a stop signal
  bool stop_hint_ = false;              // a server received one
  std::int64_t stop_at_ = -1;           // the clock server 0 decided to stop at
};

}  // namespace psml::ps
