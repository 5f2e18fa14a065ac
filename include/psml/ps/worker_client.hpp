// A worker's view of the parameter servers: push gradient sums, pull parameters, with the key
// space [0, P) divided among the servers by the key layout (ps/key_layout.hpp).
//
//   WorkerClient client(world, roles, num_keys);
//   client.pull(params);                              // initial parameters
//   auto stats = client.push_pull(grad, rows, params); // one step: push, then pull the next
//   client.done();                                     // after the last step
//
// Sparse variants take sorted, unique global keys and move only those values.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "psml/comm/framing.hpp"
#include "psml/compress/gradient_codec.hpp"
#include "psml/ps/key_layout.hpp"
#include "psml/ps/messages.hpp"
#include "psml/ps/roles.hpp"
#include "psml/ps/shared_payloads.hpp"

namespace psml::ps {

// What one exchange saw.
struct ExchangeStats {
  double push_seconds = 0;  // posting the pushes until they have left (the server has them)
  double pull_seconds = 0;  // request to reply, less the servers' hold-back and updates
  double wait_seconds = 0;  // time servers held the pull back for consistency (max over servers)
  double optimizer_seconds = 0;  // servers' update time on this worker's path (max over servers)
  std::int64_t clock_gap = 0;    // this worker's clock minus the slowest worker's, when answered
  double bytes_sent = 0;         // payload (values and keys) since the previous stats
  double bytes_received = 0;
  std::vector<std::int64_t> staleness;  // per server: of the previous push, as applied (-1: none)
};

class WorkerClient {
 public:
  // `deadline_seconds`: the longest wait for a server's answer before the job is ended.
  // `shared`: dense pushes and pulls through shared memory (ps/shared_payloads.hpp), or null.
  // `compression`: how dense pushes are encoded (each server's share by its own codec, top-k
  // and PowerSGD with their own residual); `matrices`: the model's weight matrices, for powersgd
  // (under the ranges layout: each server's codec factors the whole rows its range holds).
  WorkerClient(const comm::Communicator& world, const Roles& roles, std::int64_t num_keys,
               double deadline_seconds = 300, KeyLayoutKind layout = KeyLayoutKind::kRanges,
               const SharedPayloads* shared = nullptr,
               const compress::CompressionSpec& compression = {},
               std::span<const MatrixBlock> matrices = {});

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

  // Fills params (all P keys) with the servers' current values.
  ExchangeStats pull(std::span<float> params);

  // Pushes the gradient sum over `rows` rows (all P keys), then pulls the parameters for the next
  // step into params.
  ExchangeStats push_pull(std::span<const float> grad, std::int64_t rows, std::span<float> params);

  // Pushing a layer as soon as backprop has it (dense, ranges layout, where each server's keys
  // are one run): push_early(s, ...) sends server s its share of `grad` for the coming
  // push_pull, which then pushes only the servers not yet pushed. set_step() comes first.
  bool pushes_early() const { return layout_.kind() == KeyLayoutKind::kRanges; }
  int servers() const { return roles_.servers; }
  // The first key and count of server s's keys (ranges layout).
  data::RowRange keys_of(int server) const {
    const auto& r = server_keys_[static_cast<std::size_t>(server)];
    return {r.first, r.count()};
  }
  bool pushed(int server) const { return pushed_[static_cast<std::size_t>(server)] != 0; }
  void push_early(int server, std::span<const float> grad, std::int64_t rows);
  // Lets early pushes in flight progress (MPI moves large messages only inside its calls); true
  // while any is still in flight.
  bool progress_pushes();

  // Sparse: keys sorted and unique; grad and params hold one value per key.
  ExchangeStats pull_sparse(std::span<const std::int64_t> keys, std::span<float> params);
  ExchangeStats push_pull_sparse(std::span<const std::int64_t> keys, std::span<const float> grad,
                                 std::int64_t rows, std::span<float> params);
  // Pushes without pulling: a sparse step pulls its batch's keys first, then pushes.
  ExchangeStats push_sparse(std::span<const std::int64_t> keys, std::span<const float> grad,
                            std::int64_t rows);

  // The next push is for training step `global_step` (the servers check it) and says whether
  // this worker wants to stop (SIGTERM / SIGINT). Without it, pushes are numbered by the clock.
  void set_step(std::int64_t global_step, bool stop_wanted) {
    step_ = global_step;
    stop_wanted_ = stop_wanted;
  }
  // Server 0 decided a stop, and this worker has reached the clock it named: it stops now.
  // Every worker stops at the same clock.
  bool stop_reached() const { return stop_at_ >= 0 && clock_ >= stop_at_; }

  // Tells every server this worker has finished (`stopped`: early, on a stop signal).
  void done(bool stopped = false);

 private:
  // Server s's share of one exchange: its keys (sparse), the values pushed to it, and where its
  // reply goes. Under the ranges layout these are views of the caller's arrays; under blocks
  // they are gathered into (and the reply scattered from) the part's own buffers, kept across
  // steps.
  struct Part {
    std::span<const std::int64_t> keys;
    std::span<const float> push;
    std::span<float> reply;
    std::vector<std::int64_t> own_keys;  // blocks, sparse: the server's keys, in order
    std::vector<std::size_t> positions;  // blocks, sparse: where they sit in the caller's keys
    std::vector<float> own_push, own_reply;
  };
  // Divides an exchange's keys, pushed values and reply destination among the servers.
  void divide(std::span<const std::int64_t> keys, bool sparse, std::span<const float> push,
              std::span<float> reply);
  // Blocks layout: copies server s's reply into the caller's array.
  void scatter_reply(int server, bool sparse, std::span<float> reply);
  // Sends every server `message` (with its keys of `values`, if given) and waits until all
  // have left.
  void send_to_servers(const Message& message, std::span<const float> values = {});
  // Posts server s's Push of the current clock (after divide()).
  comm::SendHandle post_push(int server, bool sparse, std::int64_t rows);
  ExchangeStats exchange(std::span<const std::int64_t> keys, bool sparse,
                         std::span<const float> grad, std::int64_t rows, bool push, bool pull,
                         std::span<float> params);

  comm::Channel channel_;
  Roles roles_;
  int worker_;
  std::int64_t num_keys_;
  double deadline_;
  // Receives the next message from a server, or ends the job once the deadline passes.
  void receive_from_server(Message& message, int server_rank, const char* what) const;
  KeyLayout layout_;
  std::vector<data::StridedRange> server_keys_;  // what each server holds
  std::vector<Part> parts_;
  std::vector<comm::SendHandle> early_;  // pushes started during backprop this step
  std::vector<char> pushed_;             // per server: pushed this step already
  std::int64_t clock_ = 0;
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
