#include "psml/ps/worker_client.hpp"

#include <algorithm>
#include <atomic>

#include "psml/core/error.hpp"
#include "psml/core/stopwatch.hpp"
#include "psml/core/trace.hpp"

namespace psml::ps {
namespace {

template <class T>
std::span<const std::byte> bytes_of(std::span<T> values) {
  return std::as_bytes(values);
}

}  // namespace

WorkerClient::WorkerClient(Transport& transport, const Roles& roles, int worker,
                           std::int64_t num_keys, double deadline_seconds, KeyLayoutKind layout,
                           const SharedPayloads* shared,
                           const compress::CompressionSpec& compression,
                           std::span<const MatrixBlock> matrices)
    : transport_(transport),
      roles_(roles),
      worker_(worker),
      num_keys_(num_keys),
      deadline_(deadline_seconds),
      layout_(num_keys, roles.servers, layout),
      push_parts_(static_cast<std::size_t>(roles.servers)),
      pull_parts_(static_cast<std::size_t>(roles.servers)),
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
  if (!values.empty()) divide_dense(push_parts_, {0, num_keys_}, values, {});
  for (int s = 0; s < roles_.servers; ++s)
    transport_.send_view(
        roles_.server_rank(s), message,
        {bytes_of(values.empty() ? std::span<const float>{}
                                 : push_parts_[static_cast<std::size_t>(s)].push)});
  transport_.flush();
}

std::pair<int, int> WorkerClient::divide_dense(std::vector<Part>& parts, KeyRange keys,
                                               std::span<const float> push,
                                               std::span<float> reply) {
  if (keys.count == 0) return {0, 0};
  int first = 0, end = roles_.servers;
  if (keys.first != 0 || keys.count != num_keys_) {
    if (layout_.kind() == KeyLayoutKind::kRanges && keys.first >= 0 && keys.end() <= num_keys_) {
      first = layout_.owner(keys.first);
      end = layout_.owner(keys.end() - 1) + 1;
    }
    if (layout_.kind() != KeyLayoutKind::kRanges || keys_of(first).first != keys.first ||
        keys_of(end - 1).end() != keys.end())
      throw error("worker ", worker_, ": a dense request for keys [", keys.first, ", ", keys.end(),
                  ") is not whole servers' ranges (", to_string(layout_.kind()), " layout)");
  }
  for (int s = first; s < end; ++s) {
    auto& part = parts[static_cast<std::size_t>(s)];
    part.keys = {};
    const auto& held = server_keys_[static_cast<std::size_t>(s)];
    const auto count = static_cast<std::size_t>(held.count());
    if (layout_.kind() == KeyLayoutKind::kRanges) {
      // Each server's keys are one run of the arrays: views, no copies.
      const auto at = static_cast<std::size_t>(held.first - keys.first);
      part.push = push.empty() ? std::span<const float>{} : push.subspan(at, count);
      part.reply = reply.empty() ? std::span<float>{} : reply.subspan(at, count);
      continue;
    }
    // Blocks: each server's keys are spread out; gather its values (or give it a buffer).
    part.own_values.resize(count);
    if (!push.empty()) {
      auto* out = part.own_values.data();
      held.for_each_run([&](std::int64_t from, std::int64_t length) {
        out = std::copy_n(push.begin() + from, length, out);
      });
    }
    part.push = push.empty() ? std::span<const float>{} : std::span<const float>(part.own_values);
    part.reply = reply.empty() ? std::span<float>{} : std::span<float>(part.own_values);
  }
  return {first, end};
}

void WorkerClient::divide_sparse(std::vector<Part>& parts, std::span<const std::int64_t> keys,
                                 std::span<const float> push, std::span<float> reply) {
  if (layout_.kind() == KeyLayoutKind::kRanges) {
    // Each server's keys are one run of the caller's keys: views, no copies.
    for (std::size_t s = 0; s < parts.size(); ++s) {
      const auto r = server_keys_[s];
      const auto begin = std::lower_bound(keys.begin(), keys.end(), r.first);
      const auto first = static_cast<std::size_t>(begin - keys.begin());
      const auto count = static_cast<std::size_t>(
          std::lower_bound(begin, keys.end(), r.first + r.count()) - begin);
      parts[s].keys = keys.subspan(first, count);
      parts[s].push = push.empty() ? std::span<const float>{} : push.subspan(first, count);
      parts[s].reply = reply.empty() ? std::span<float>{} : reply.subspan(first, count);
    }
    return;
  }
  // Blocks: gather each server's keys (and their values) from the caller's.
  for (auto& part : parts) {
    part.own_keys.clear();
    part.positions.clear();
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    auto& part = parts[static_cast<std::size_t>(layout_.owner(keys[i]))];
    part.own_keys.push_back(keys[i]);
    part.positions.push_back(i);
  }
  for (auto& part : parts) {
    part.keys = part.own_keys;
    part.own_values.resize(part.own_keys.size());
    if (!push.empty())
      for (std::size_t j = 0; j < part.own_keys.size(); ++j)
        part.own_values[j] = push[part.positions[j]];
    part.push = push.empty() ? std::span<const float>{} : std::span<const float>(part.own_values);
    part.reply = reply.empty() ? std::span<float>{} : std::span<float>(part.own_values);
  }
}

void WorkerClient::scatter_reply(int server, bool sparse, std::span<float> reply) {
  if (layout_.kind() == KeyLayoutKind::kRanges) return;  // the reply landed in place
  const auto& part = pull_parts_[static_cast<std::size_t>(server)];
  if (sparse) {
    for (std::size_t j = 0; j < part.own_values.size(); ++j)
      reply[part.positions[j]] = part.own_values[j];
    return;
  }
  const float* in = part.own_values.data();
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

void WorkerClient::receive_from_server(Message& message, int server_rank, const char* what) {
  if (transport_.wait(deadline_, server_rank) < 0)
    throw error("worker ", worker_, ": no answer from server rank ", server_rank, " for ",
                deadline_, " s (--deadline), waiting for ", what);
  transport_.receive(server_rank, message);
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

void WorkerClient::open_step() {
  if (std::any_of(pushed_.begin(), pushed_.end(), [](char p) { return p != 0; })) return;
  // A new step reuses the buffers the previous step's pushes were sent from.
  if (!pushes_in_flight_.empty()) {
    transport_.flush();
    pushes_in_flight_.clear();
  }
  ++clock_;
}

WorkerClient::Handle WorkerClient::push(KeyRange keys, std::span<const float> grad,
                                        std::int64_t rows) {
  PSML_CHECK_EQ(grad.size(), static_cast<std::size_t>(keys.count), "dense push");
  const double posted = now_seconds();
  if (keys.count > 0) open_step();
  const auto [first, end] = divide_dense(push_parts_, keys, grad, {});
  for (int s = first; s < end; ++s) post_push(s, false, rows);
  pushes_in_flight_.emplace_back(next_handle_, posted);
  return next_handle_++;
}

WorkerClient::Handle WorkerClient::push(std::span<const std::int64_t> keys,
                                        std::span<const float> grad, std::int64_t rows) {
  PSML_CHECK_EQ(grad.size(), keys.size(), "sparse push");
  const double posted = now_seconds();
  open_step();
  divide_sparse(push_parts_, keys, grad, {});
  for (int s = 0; s < roles_.servers; ++s) post_push(s, true, rows);
  pushes_in_flight_.emplace_back(next_handle_, posted);
  return next_handle_++;
}

void WorkerClient::post_push(int server, bool sparse, std::int64_t rows) {
  auto& pushed = pushed_[static_cast<std::size_t>(server)];
  if (pushed)
    throw error("worker ", worker_, ": pushed server ", server, " twice in step ", clock_);
  pushed = 1;
  const auto& part = push_parts_[static_cast<std::size_t>(server)];
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
  const auto keys = sparse ? bytes_of(part.keys) : std::span<const std::byte>{};
  auto values = bytes_of(part.push);
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
    transport_.send_view(roles_.server_rank(server), Message(p), {});
  } else {
    transport_.send_view(roles_.server_rank(server), Message(p), {keys, values});
  }
  // The step is complete once every server has its push.
  if (std::all_of(pushed_.begin(), pushed_.end(), [](char s) { return s != 0; }))
    std::fill(pushed_.begin(), pushed_.end(), 0);
}

WorkerClient::Handle WorkerClient::pull(std::span<float> params) {
  PSML_CHECK_EQ(params.size(), static_cast<std::size_t>(num_keys_), "pull");
  if (pending_pull_.handle >= 0) throw error("worker ", worker_, ": a second pull in flight");
  pending_pull_ = {next_handle_, false, now_seconds(), params};
  divide_dense(pull_parts_, {0, num_keys_}, {}, params);
  for (int s = 0; s < roles_.servers; ++s)
    transport_.send_view(roles_.server_rank(s), Message(Pull{worker_, clock_, -1}), {});
  return next_handle_++;
}

WorkerClient::Handle WorkerClient::pull(std::span<const std::int64_t> keys,
                                        std::span<float> values) {
  PSML_CHECK_EQ(values.size(), keys.size(), "sparse pull");
  if (pending_pull_.handle >= 0) throw error("worker ", worker_, ": a second pull in flight");
  pending_pull_ = {next_handle_, true, now_seconds(), values};
  divide_sparse(pull_parts_, keys, {}, values);
  for (int s = 0; s < roles_.servers; ++s) {
    const auto& part = pull_parts_[static_cast<std::size_t>(s)];
    const Pull q{worker_, clock_, static_cast<std::int64_t>(part.keys.size())};
    transport_.send_view(roles_.server_rank(s), Message(q), {bytes_of(part.keys)});
    bytes_sent_ += static_cast<double>(part.keys.size_bytes());
  }
  return next_handle_++;
}

ExchangeStats WorkerClient::wait(Handle handle) {
  ExchangeStats stats;
  if (handle == pending_pull_.handle) {
    trace::Scope span("pull");
    stats.staleness.assign(static_cast<std::size_t>(roles_.servers), -1);
    for (int s = 0; s < roles_.servers; ++s) receive_reply(s, stats);
    transport_.flush();  // the pull requests have left
    const double seconds = now_seconds() - pending_pull_.posted;
    stats.pull_seconds = std::max(0.0, seconds - stats.wait_seconds - stats.optimizer_seconds);
    pending_pull_ = {};
  } else {
    const auto it = std::find_if(pushes_in_flight_.begin(), pushes_in_flight_.end(),
                                 [&](const auto& p) { return p.first == handle; });
    if (it == pushes_in_flight_.end()) return stats;  // completed already
    {
      trace::Scope span("push");
      transport_.flush();  // it has left, with every push before it
    }
    stats.push_seconds = now_seconds() - it->second;
    pushes_in_flight_.clear();
  }
  stats.bytes_sent = std::exchange(bytes_sent_, 0.0);
  stats.bytes_received = std::exchange(bytes_received_, 0.0);
  return stats;
}

void WorkerClient::receive_reply(int server, ExchangeStats& stats) {
  auto& part = pull_parts_[static_cast<std::size_t>(server)];
  Message message;
  const int server_rank = roles_.server_rank(server);
  receive_from_server(message, server_rank, "a pull reply");
  const auto* reply = boost::get<PullReply>(&message);
  if (!reply)
    throw error("worker ", worker_, ": expected a pull reply from server rank ", server_rank);
  if (reply->shared) {
    // Published by the server: copy this worker's view of its range, then say so.
    std::atomic_thread_fence(std::memory_order_acquire);
    const auto range = server_keys_[static_cast<std::size_t>(server)];
    const auto from =
        shared_->published().subspan(static_cast<std::size_t>(range.first), part.reply.size());
    std::copy(from.begin(), from.end(), part.reply.begin());
    shared_->copied(worker_, server).fetch_add(1, std::memory_order_release);
  } else {
    transport_.receive_payload(server_rank, std::as_writable_bytes(part.reply));
  }
  bytes_received_ += static_cast<double>(part.reply.size() * sizeof(float));
  scatter_reply(server, pending_pull_.sparse, pending_pull_.out);
  const auto s = static_cast<std::size_t>(server);
  versions_[s] = reply->version;
  stop_at_ = std::max(stop_at_, reply->stop_at);
  stop_hint_ = stop_hint_ || reply->stop_hint;
  stats.staleness[s] = reply->staleness;
  stats.wait_seconds = std::max(stats.wait_seconds, reply->waited_seconds);
  stats.optimizer_seconds = std::max(stats.optimizer_seconds, reply->update_seconds);
  stats.clock_gap = std::max(stats.clock_gap, clock_ - reply->min_clock);
}

void WorkerClient::done(bool stopped) {
  send_to_servers(Message(Done{worker_, stopped}));
}

}  // namespace psml::ps
