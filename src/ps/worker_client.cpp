#include "psml/ps/worker_client.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include "psml/core/error.hpp"
#include "psml/core/stopwatch.hpp"
#include "psml/core/trace.hpp"

namespace psml::ps {
WorkerClient::WorkerClient(const comm::Communicator& world, const Roles& roles,
                           std::int64_t num_keys, double deadline_seconds, KeyLayoutKind layout,
                           const SharedPayloads* shared,
                           const compress::CompressionSpec& compression,
                           std::span<const MatrixBlock> matrices)
    : channel_(world),
      roles_(roles),
      worker_(world.rank()),
      num_keys_(num_keys),
      deadline_(deadline_seconds),
      layout_(num_keys, roles.servers, layout),
      parts_(static_cast<std::size_t>(roles.servers)),
      pushed_(static_cast<std::size_t>(roles.servers), 0),
      shared_(shared),
      versions_(static_cast<std::size_t>(roles.servers), 0) {
  if (num_keys < roles.servers)
    throw error("--servers ", roles.servers, " is more than the model's ", num_keys, " parameters");
  for (int s = 0; s < roles.servers; ++s) server_keys_.push_back(layout_.keys_of(s));
  if (compression.kind != compress::CompressionSpec::Kind::kNone)
    for (int s = 0; s < roles.servers; ++s) {
      codecs_.emplace_back(
          compression, static_cast<std::size_t>(server_keys_[static_cast<std::size_t>(s)].count()),
          layout_.matrices_of(s, matrices));
      encoded_.emplace_back(codecs_.back().encoded_bytes());
    }
}

void WorkerClient::send_to_servers(const Message& message, std::span<const float> values) {
  if (!values.empty()) divide({}, false, values, {});
  std::vector<comm::SendHandle> sends;
  for (int s = 0; s < roles_.servers; ++s)
    sends.push_back(channel_.isend(
        roles_.server_rank(s), message,
        {comm::bytes_of(values.empty() ? std::span<const float>{}
                                       : parts_[static_cast<std::size_t>(s)].push)}));
  for (auto& h : sends) h.wait();
}

void WorkerClient::divide(std::span<const std::int64_t> keys, bool sparse,
                          std::span<const float> push, std::span<float> reply) {
  const auto servers = static_cast<std::size_t>(roles_.servers);
  if (layout_.kind() == KeyLayoutKind::kRanges) {
    // Each server's keys are one run of the arrays: views, no copies.
    for (std::size_t s = 0; s < servers; ++s) {
      const auto r = server_keys_[s];
      std::size_t first = static_cast<std::size_t>(r.first),
                  count = static_cast<std::size_t>(r.count());
      if (sparse) {
        const auto begin = std::lower_bound(keys.begin(), keys.end(), r.first);
        first = static_cast<std::size_t>(begin - keys.begin());
        count = static_cast<std::size_t>(std::lower_bound(begin, keys.end(), r.first + r.count()) -
                                         begin);
      }
      parts_[s].keys = sparse ? keys.subspan(first, count) : std::span<const std::int64_t>{};
      parts_[s].push = push.empty() ? std::span<const float>{} : push.subspan(first, count);
      parts_[s].reply = reply.empty() ? std::span<float>{} : reply.subspan(first, count);
    }
    return;
  }
  // Blocks: each server's keys are spread out; gather them (and their values) per server.
  if (sparse) {
    for (auto& part : parts_) {
      part.own_keys.clear();
      part.positions.clear();
    }
    for (std::size_t i = 0; i < keys.size(); ++i) {
      auto& part = parts_[static_cast<std::size_t>(layout_.owner(keys[i]))];
      part.own_keys.push_back(keys[i]);
      part.positions.push_back(i);
    }
  }
  for (std::size_t s = 0; s < servers; ++s) {
    auto& part = parts_[s];
    const auto count =
        sparse ? part.own_keys.size() : static_cast<std::size_t>(server_keys_[s].count());
    part.keys =
        sparse ? std::span<const std::int64_t>(part.own_keys) : std::span<const std::int64_t>{};
    part.own_push.resize(push.empty() ? 0 : count);
    part.own_reply.resize(reply.empty() ? 0 : count);
    if (!push.empty()) {
      if (sparse) {
        for (std::size_t j = 0; j < count; ++j) part.own_push[j] = push[part.positions[j]];
      } else {
        auto* out = part.own_push.data();
        server_keys_[s].for_each_run([&](std::int64_t first, std::int64_t length) {
          out = std::copy_n(push.begin() + first, length, out);
        });
      }
    }
    part.push = part.own_push;
    part.reply = part.own_reply;
  }
}

void WorkerClient::scatter_reply(int server, bool sparse, std::span<float> reply) {
  if (layout_.kind() == KeyLayoutKind::kRanges) return;  // the reply landed in place
  const auto& part = parts_[static_cast<std::size_t>(server)];
  if (sparse) {
    for (std::size_t j = 0; j < part.own_reply.size(); ++j)
      reply[part.positions[j]] = part.own_reply[j];
    return;
  }
  const float* in = part.own_reply.data();
  server_keys_[static_cast<std::size_t>(server)].for_each_run(
      [&](std::int64_t first, std::int64_t length) {
        std::copy_n(in, length, reply.begin() + first);
        in += length;
      });
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

ExchangeStats WorkerClient::exchange(std::span<const std::int64_t> keys, bool sparse,
                                     std::span<const float> grad, std::int64_t rows, bool push,
                                     bool pull, std::span<float> params) {
  ExchangeStats stats;
  stats.staleness.assign(static_cast<std::size_t>(roles_.servers), -1);
  const double t0 = now_seconds();
  std::vector<comm::SendHandle> pushes, pulls;
  if (push && early_.empty()) ++clock_;  // else an early push advanced it
  divide(keys, sparse, push ? grad : std::span<const float>{}, pull ? params : std::span<float>{});
  // Server s's share: how many values, and its keys (sparse) as the frame that precedes them.
  const auto count_of = [&](int s) {
    return sparse ? parts_[static_cast<std::size_t>(s)].keys.size()
                  : static_cast<std::size_t>(server_keys_[static_cast<std::size_t>(s)].count());
  };
  const auto key_bytes_of = [&](int s) {
    return sparse ? comm::bytes_of(parts_[static_cast<std::size_t>(s)].keys)
                  : std::span<const std::byte>{};
  };
  for (int s = 0; push && s < roles_.servers; ++s)
    if (!pushed_[static_cast<std::size_t>(s)]) pushes.push_back(post_push(s, sparse, rows));
  if (push) {  // this step's early pushes are part of it
    for (auto& h : early_) pushes.push_back(std::move(h));
    early_.clear();
    std::fill(pushed_.begin(), pushed_.end(), 0);
  }
  // The push is done once every server has its values: what "push" measures. The pulls follow.
  if (push) {
    trace::Scope span("push");
    for (auto& h : pushes) h.wait();
  }
  const double t1 = now_seconds();
  trace::Scope span("pull");
  for (int s = 0; pull && s < roles_.servers; ++s) {
    Pull q{worker_, clock_, sparse ? static_cast<std::int64_t>(count_of(s)) : -1};
    pulls.push_back(channel_.isend(roles_.server_rank(s), Message(q), {key_bytes_of(s)}));
    bytes_sent_ += static_cast<double>(key_bytes_of(s).size());
  }
  for (int s = 0; pull && s < roles_.servers; ++s) {
    auto& part = parts_[static_cast<std::size_t>(s)];
    Message message;
    const int server_rank = roles_.server_rank(s);
    receive_from_server(message, server_rank, "a pull reply");
    const auto* reply = boost::get<PullReply>(&message);
    if (!reply)
      throw error("worker ", worker_, ": expected a pull reply from server rank ", server_rank);
    if (reply->shared) {
      // Published by the server: copy this worker's view of its range, then say so.
      std::atomic_thread_fence(std::memory_order_acquire);
      const auto range = server_keys_[static_cast<std::size_t>(s)];
      const auto from =
          shared_->published().subspan(static_cast<std::size_t>(range.first), part.reply.size());
      std::copy(from.begin(), from.end(), part.reply.begin());
      shared_->copied(worker_, s).fetch_add(1, std::memory_order_release);
    } else {
      channel_.receive_payload(server_rank, comm::writable_bytes_of(part.reply));
    }
    bytes_received_ += static_cast<double>(part.reply.size() * sizeof(float));
    scatter_reply(s, sparse, params);
    versions_[static_cast<std::size_t>(s)] = reply->version;
    stop_at_ = std::max(stop_at_, reply->stop_at);
    stop_hint_ = stop_hint_ || reply->stop_hint;
    stats.staleness[static_cast<std::size_t>(s)] = reply->staleness;
    stats.wait_seconds = std::max(stats.wait_seconds, reply->waited_seconds);
    stats.optimizer_seconds = std::max(stats.optimizer_seconds, reply->update_seconds);
    stats.clock_gap = std::max(stats.clock_gap, clock_ - reply->min_clock);
  }
  for (auto& h : pulls) h.wait();
  const double t2 = now_seconds();
  stats.push_seconds = t1 - t0;
  stats.pull_seconds = std::max(0.0, (t2 - t1) - stats.wait_seconds - stats.optimizer_seconds);
  stats.bytes_sent = std::exchange(bytes_sent_, 0.0);
  stats.bytes_received = std::exchange(bytes_received_, 0.0);
  return stats;
}

comm::SendHandle WorkerClient::post_push(int server, bool sparse, std::int64_t rows) {
  const auto& part = parts_[static_cast<std::size_t>(server)];
  const auto count = static_cast<std::int64_t>(
      sparse ? part.keys.size() : static_cast<std::size_t>(keys_of(server).count));
  Push p{worker_,
         clock_,
         versions_[static_cast<std::size_t>(server)],
         rows,
         sparse ? count : -1,
         step_ >= 0 ? step_ : clock_,
         count,
         stop_wanted_ || stop_hint_,
         shared_ != nullptr && !sparse};
  const auto keys = sparse ? comm::bytes_of(part.keys) : std::span<const std::byte>{};
  auto values = comm::bytes_of(part.push);
  if (!p.shared && !sparse && !codecs_.empty()) {
    // --compression: the share goes encoded (it stays in encoded_ until the send has left).
    auto& encoded = encoded_[static_cast<std::size_t>(server)];
    codecs_[static_cast<std::size_t>(server)].encode(part.push, encoded);
    values = encoded;
    p.encoded = true;
  }
  bytes_sent_ += static_cast<double>(keys.size() + values.size());
  if (p.shared) {
    // The values wait in this worker's shared slot, where backprop wrote them.
    std::atomic_thread_fence(std::memory_order_release);
    return channel_.isend(roles_.server_rank(server), Message(p), {});
  }
  return channel_.isend(roles_.server_rank(server), Message(p), {keys, values});
}

void WorkerClient::push_early(int server, std::span<const float> grad, std::int64_t rows) {
  PSML_CHECK_EQ(grad.size(), static_cast<std::size_t>(num_keys_), "early push");
  if (early_.empty()) {  // the step's first early push
    ++clock_;
    divide({}, false, grad, {});
  }
  if (pushed_[static_cast<std::size_t>(server)]) return;
  pushed_[static_cast<std::size_t>(server)] = 1;
  early_.push_back(post_push(server, false, rows));
}

bool WorkerClient::progress_pushes() {
  bool in_flight = false;
  for (auto& h : early_) in_flight = !h.test() || in_flight;
  return in_flight;
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
