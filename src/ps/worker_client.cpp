#include "psml/ps/worker_client.hpp"

#include <algorithm>
#include <chrono>

#include "psml/core/error.hpp"
#include "psml/core/stopwatch.hpp"

namespace psml::ps {
WorkerClient::WorkerClient(const comm::Communicator& world, const Roles& roles,
                           std::int64_t num_keys, double deadline_seconds)
    : channel_(world),
      roles_(roles),
      worker_(world.rank()),
      num_keys_(num_keys),
      deadline_(deadline_seconds),
      versions_(static_cast<std::size_t>(roles.servers), 0) {
  if (num_keys < roles.servers)
    throw error("--servers ", roles.servers, " is more than the model's ", num_keys, " parameters");
  for (int s = 0; s < roles.servers; ++s)
    ranges_.push_back(server_keys(num_keys, roles.servers, s));
}

void WorkerClient::send_to_servers(const Message& message, std::span<const float> values) {
  std::vector<comm::SendHandle> sends;
  for (int s = 0; s < roles_.servers; ++s) {
    const auto r = ranges_[static_cast<std::size_t>(s)];
    const auto payload = values.empty()
                             ? std::span<const std::byte>{}
                             : comm::bytes_of(values.subspan(static_cast<std::size_t>(r.first),
                                                             static_cast<std::size_t>(r.count)));
    sends.push_back(channel_.isend(roles_.server_rank(s), message, {payload}));
  }
  for (auto& h : sends) h.wait();
}

void WorkerClient::init_servers(std::span<const float> params, std::int64_t total_steps) {
  PSML_CHECK_EQ(params.size(), static_cast<std::size_t>(num_keys_), "init_servers");
  send_to_servers(Message(InitShard{num_keys_, total_steps}), params);
}

void WorkerClient::receive_from_server(Message& message, int server_rank, const char* what) const {
  if (channel_.wait_header(deadline_, server_rank) < 0)
    throw error("worker ", worker_, ": no answer from server rank ", server_rank, " for ",
                deadline_, " s (--deadline), waiting for ", what);
  channel_.receive_header(message, server_rank);
}

void WorkerClient::init_servers_zero(std::int64_t total_steps) {
  send_to_servers(Message(InitShard{num_keys_, total_steps, true}));
}

void WorkerClient::init_servers_loaded(std::int64_t total_steps) {
  send_to_servers(Message(InitShard{num_keys_, total_steps, false, true}));
}

std::string WorkerClient::checkpoint(const checkpoint::Metadata& meta,
                                     const checkpoint::Destination& to) {
  send_to_servers(Message(CheckpointRequest{meta, to}));
  Message reply;
  receive_from_server(reply, roles_.server_rank(0), "its checkpoint confirmation");
  const auto* done = boost::get<CheckpointDone>(&reply);
  if (!done) throw error("worker ", worker_, ": expected the servers' checkpoint confirmation");
  return done->path;
}

std::pair<std::size_t, std::size_t> WorkerClient::part(std::span<const std::int64_t> keys,
                                                       bool sparse, int server) const {
  const auto r = ranges_[static_cast<std::size_t>(server)];
  if (!sparse) return {static_cast<std::size_t>(r.first), static_cast<std::size_t>(r.count)};
  const auto [first, end] = slice(keys, server);
  return {first, end - first};
}

std::pair<std::size_t, std::size_t> WorkerClient::slice(std::span<const std::int64_t> keys,
                                                        int server) const {
  const auto r = ranges_[static_cast<std::size_t>(server)];
  const auto first = std::lower_bound(keys.begin(), keys.end(), r.first) - keys.begin();
  const auto end = std::lower_bound(keys.begin(), keys.end(), r.end()) - keys.begin();
  return {static_cast<std::size_t>(first), static_cast<std::size_t>(end)};
}

ExchangeStats WorkerClient::exchange(std::span<const std::int64_t> keys, bool sparse,
                                     std::span<const float> grad, std::int64_t rows, bool push,
                                     bool pull, std::span<float> params) {
  ExchangeStats stats;
  stats.staleness.assign(static_cast<std::size_t>(roles_.servers), -1);
  const double t0 = now_seconds();
  std::vector<comm::SendHandle> pushes, pulls;
  if (push) ++clock_;
  for (int s = 0; s < roles_.servers; ++s) {
    const auto [first, count] = part(keys, sparse, s);
    const int dest = roles_.server_rank(s);
    const auto key_bytes =
        sparse ? comm::bytes_of(keys.subspan(first, count)) : std::span<const std::byte>{};
    if (push) {
      Push p{worker_,
             clock_,
             versions_[static_cast<std::size_t>(s)],
             rows,
             sparse ? static_cast<std::int64_t>(count) : -1,
             step_ >= 0 ? step_ : clock_,
             static_cast<std::int64_t>(count),
             stop_wanted_ || stop_hint_};
      pushes.push_back(channel_.isend(dest, Message(p),
                                      {key_bytes, comm::bytes_of(grad.subspan(first, count))}));
    }
    if (!pull) continue;
    Pull q{worker_, clock_, sparse ? static_cast<std::int64_t>(count) : -1};
    pulls.push_back(channel_.isend(dest, Message(q), {key_bytes}));
  }
  const double t1 = now_seconds();
  for (int s = 0; pull && s < roles_.servers; ++s) {
    const auto [first, count] = part(keys, sparse, s);
    Message message;
    const int server_rank = roles_.server_rank(s);
    receive_from_server(message, server_rank, "a pull reply");
    const auto* reply = boost::get<PullReply>(&message);
    if (!reply)
      throw error("worker ", worker_, ": expected a pull reply from server rank ", server_rank);
    channel_.receive_payload(server_rank, comm::writable_bytes_of(params.subspan(first, count)));
    versions_[static_cast<std::size_t>(s)] = reply->version;
    stop_at_ = std::max(stop_at_, reply->stop_at);
    stop_hint_ = stop_hint_ || reply->stop_hint;
    stats.staleness[static_cast<std::size_t>(s)] = reply->staleness;
    stats.wait_seconds = std::max(stats.wait_seconds, reply->waited_seconds);
    stats.clock_gap = std::max(stats.clock_gap, clock_ - reply->min_clock);
  }
  const double t2 = now_seconds();
  for (auto& h : pulls) h.wait();
  for (auto& h : pushes) h.wait();
  const double t3 = now_seconds();
  stats.push_seconds = (t1 - t0) + (t3 - t2);
  stats.pull_seconds = std::max(0.0, (t2 - t1) - stats.wait_seconds);
  return stats;
}

ExchangeStats WorkerClient::pull(std::span<float> params) {
  PSML_CHECK_EQ(params.size(), static_cast<std::size_t>(num_keys_), "pull");
  return exchange({}, false, {}, 0, false, true, params);
}

ExchangeStats WorkerClient::push_pull(std::span<const float> grad, std::int64_t rows,
                                      std::span<float> params) {
  PSML_CHECK_EQ(grad.size(), static_cast<std::size_t>(num_keys_), "push");
  PSML_CHECK_EQ(params.size(), static_cast<std::size_t>(num_keys_), "pull");
  return exchange({}, false, grad, rows, true, true, params);
}

ExchangeStats WorkerClient::pull_sparse(std::span<const std::int64_t> keys,
                                        std::span<float> params) {
  PSML_CHECK_EQ(params.size(), keys.size(), "sparse pull");
  return exchange(keys, true, {}, 0, false, true, params);
}

ExchangeStats WorkerClient::push_pull_sparse(std::span<const std::int64_t> keys,
                                             std::span<const float> grad, std::int64_t rows,
                                             std::span<float> params) {
  PSML_CHECK_EQ(grad.size(), keys.size(), "sparse push");
  PSML_CHECK_EQ(params.size(), keys.size(), "sparse pull");
  return exchange(keys, true, grad, rows, true, true, params);
}

ExchangeStats WorkerClient::push_sparse(std::span<const std::int64_t> keys,
                                        std::span<const float> grad, std::int64_t rows) {
  PSML_CHECK_EQ(grad.size(), keys.size(), "sparse push");
  return exchange(keys, true, grad, rows, true, false, {});
}

void WorkerClient::done(bool stopped) {
  send_to_servers(Message(Done{worker_, stopped}));
}

}  // namespace psml::ps
