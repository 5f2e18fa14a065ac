#include "psml/ps/server.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "psml/comm/agreement.hpp"
#include "psml/comm/idle_wait.hpp"
#include "psml/core/count_of.hpp"
#include "psml/core/error.hpp"
#include "psml/core/stopwatch.hpp"
#include "psml/core/trace.hpp"
#include "psml/core/watchdog.hpp"
#include "psml/exchange/key_sums.hpp"

namespace psml::ps {
Server::Server(Transport& transport, const Roles& roles, int index, ServerOptions options,
               const comm::Communicator* servers)
    : transport_(transport),
      servers_(servers),
      roles_(roles),
      options_(std::move(options)),
      index_(index),
      clocks_(static_cast<std::size_t>(roles.workers), 0),
      push_version_(static_cast<std::size_t>(roles.workers), 0),
      last_staleness_(static_cast<std::size_t>(roles.workers), -1),
      slots_(static_cast<std::size_t>(roles.workers)),
      updating_at_push_(static_cast<std::size_t>(roles.workers), 0.0),
      publications_sent_(static_cast<std::size_t>(roles.workers), 0) {
  optimizer_ = optim::make_optimizer(options_.optimizer);
}

void Server::run() {
  while (done_ < roles_.workers) {
    const int waiting = transport_.wait(options_.deadline_seconds, Transport::kAnySource);
    if (waiting < 0)
      throw error("server ", index_, ": no message from any worker for ", options_.deadline_seconds,
                  " s (--deadline); ", describe_waits());
    if (options_.stop_wanted && !stop_hint_ && options_.stop_wanted()) {
      stop_hint_ = true;
      if (index_ == 0) decide_stop();
    }
    Message message;
    const int source = waiting;
    transport_.receive(source, message);
    if (const auto* init = boost::get<InitShard>(&message))
      on_init(source, *init);
    else if (const auto* push = boost::get<Push>(&message))
      on_push(source, *push);
    else if (const auto* pull = boost::get<Pull>(&message))
      on_pull(source, *pull);
    else if (const auto* request = boost::get<CheckpointRequest>(&message))
      on_checkpoint(source, *request);
    else if (const auto* done = boost::get<Done>(&message)) {
      ++done_;
      stopped_ = stopped_ || done->stopped;
    } else
      throw error("server ", index_, ": unexpected message from rank ", source);
    answer_ready_pulls();
    transport_.progress();
  }
  if (!pending_.empty())
    throw error("server ", index_, ": ", pending_.size(),
                " pulls unanswered after every worker finished");
  transport_.flush();
}

void Server::load(const std::string& path, const checkpoint::Metadata& meta) {
  if (static_cast<std::size_t>(meta.state_slots) != optimizer_->state_slots())
    throw error(path, ": holds ", meta.state_slots, " optimizer state slots, --optimizer ",
                options_.optimizer.name, " keeps ", optimizer_->state_slots());
  hold_keys(meta.num_params);
  params_.resize(static_cast<std::size_t>(keys_.count()));
  state_.resize(optimizer_->state_slots() * params_.size());
  checkpoint::read_range(path, meta, keys_, params_, state_);
  version_ = meta.global_step;
  // Every worker resumes at the checkpoint's step: their clocks continue from there.
  steps_applied_ = meta.global_step;
  std::fill(clocks_.begin(), clocks_.end(), meta.global_step);
  std::fill(push_version_.begin(), push_version_.end(), version_);
  loaded_ = true;
}

void Server::on_init(int source, const InitShard& init) {
  if (init.keep_loaded) {
    if (!loaded_) throw error("server ", index_, ": told to keep a checkpoint it did not load");
    PSML_CHECK_EQ(layout_.num_keys(), init.num_keys, "server ", index_, ": keys");
    schedule_.emplace(options_.optimizer.schedule, options_.optimizer.lr, init.total_steps);
    initialized_ = true;
    return;
  }
  hold_keys(init.num_keys);
  params_.assign(static_cast<std::size_t>(keys_.count()), 0.0f);
  if (!init.zeros)
    transport_.receive_payload(source, std::as_writable_bytes(std::span<float>(params_)));
  state_.assign(optimizer_->state_slots() * params_.size(), 0.0f);
  schedule_.emplace(options_.optimizer.schedule, options_.optimizer.lr, init.total_steps);
  initialized_ = true;
}

void Server::check_request(int source, std::int32_t worker, std::int64_t sparse_keys) const {
  // Ranks are psml's own, but a request that contradicts its sender or this server's range must
  // end the job naming both, not index past a vector or allocate what it claims.
  if (worker < 0 || worker >= roles_.workers || roles_.worker_rank(worker) != source)
    throw error("server ", index_, ": rank ", source, " sent a request as worker ", worker);
  // Before InitShard the range is unknown (a pull may overtake worker 0's InitShard).
  if (initialized_ && sparse_keys > keys_.count())
    throw error("server ", index_, ": worker ", worker, " sent ", sparse_keys,
                " keys, more than the server's ", keys_.count());
}

void Server::hold_keys(std::int64_t num_keys) {
  layout_ = KeyLayout(num_keys, roles_.servers, options_.key_layout);
  keys_ = layout_.keys_of(index_);
  if (options_.compression.kind != compress::CompressionSpec::Kind::kNone) {
    codec_.emplace(options_.compression, static_cast<std::size_t>(keys_.count()),
                   layout_.matrices_of(index_, options_.matrices));
    encoded_.resize(codec_->encoded_bytes());
  }
}

std::size_t Server::local_index(std::int64_t key, std::int32_t worker, const char* what) const {
  if (key < 0 || key >= layout_.num_keys() || layout_.owner(key) != index_)
    throw error("server ", index_, ": worker ", worker, " ", what, " key ", key,
                ", which this server does not hold (", to_string(layout_.kind()), " layout of ",
                layout_.num_keys(), " keys over ", count_of(roles_.servers, "server"), ")");
  return static_cast<std::size_t>(layout_.local_index(key));
}

void Server::on_push(int source, const Push& push) {
  if (!initialized_)
    throw error("server ", index_, ": push from rank ", source, " before initialisation");
  check_request(source, push.worker, push.sparse_keys);
  const auto w = static_cast<std::size_t>(push.worker);
  PSML_CHECK_EQ(push.clock, clocks_[w] + 1, "server ", index_, ": push order of worker ",
                push.worker);
  check_step(source, push);
  if (push.clock > max_clock_) {
    max_clock_ = push.clock;
    if (options_.on_step) options_.on_step(max_clock_);
  }
  if (push.stop && index_ == 0) decide_stop();
  std::vector<std::int64_t> keys;
  std::size_t count = params_.size();
  if (push.sparse_keys >= 0) {
    keys.resize(static_cast<std::size_t>(push.sparse_keys));
    transport_.receive_payload(source, std::as_writable_bytes(std::span<std::int64_t>(keys)));
    for (auto& k : keys) k = static_cast<std::int64_t>(local_index(k, push.worker, "pushed"));
    count = keys.size();
  }
  clocks_[w] = push.clock;
  push_version_[w] = push.version;
  updating_at_push_[w] = update_seconds_;
  payload_bytes_ +=
      static_cast<std::int64_t>(keys.size() * sizeof(std::int64_t) + count * sizeof(float));

  // Shared payloads: the values wait in the worker's slot until this server has used them.
  const float* shared = nullptr;
  if (push.shared) {
    if (options_.shared == nullptr || push.sparse_keys >= 0)
      throw error("server ", index_, ": worker ", push.worker,
                  " pushed through shared memory, which this server does not use");
    std::atomic_thread_fence(std::memory_order_acquire);  // the worker wrote before it sent
    shared = options_.shared->gradient(push.worker).data() + keys_.first;
  }
  if (options_.consistency.kind == Consistency::Kind::kBsp) {
    auto& slot = slots_[w];
    PSML_CHECK_EQ(slot.filled, false, "server ", index_, ": worker ", push.worker,
                  " pushed twice in one bsp step");
    slot.shared = shared;
    slot.values.resize(shared ? 0 : count);
    if (!shared) receive_values(source, push, slot.values);
    slot.keys = std::move(keys);
    slot.rows = push.rows;
    slot.step = push.step;
    slot.filled = true;
    if (++slots_filled_ == roles_.workers) finish_bsp_step();
    return;
  }
  last_staleness_[w] = version_ - push.version;
  if (shared) {
    apply(keys, std::span<const float>(shared, count), push.rows, push.step);
    return;
  }
  scratch_grad_.resize(count);
  receive_values(source, push, scratch_grad_);
  apply(keys, std::span<const float>(scratch_grad_.data(), count), push.rows, push.step);
}

void Server::receive_values(int source, const Push& push, std::span<float> values) {
  if (!push.encoded) {
    transport_.receive_payload(source, std::as_writable_bytes(values));
    return;
  }
  if (!codec_ || push.sparse_keys >= 0)
    throw error("server ", index_, ": worker ", push.worker,
                " pushed an encoded gradient, which this server does not decode");
  transport_.receive_payload(source, encoded_);
  std::fill(values.begin(), values.end(), 0.0f);
  codec_->add_decoded(encoded_, values);
}

void Server::check_step(int source, const Push& push) const {
  // The size is always checked: a wrong one would corrupt the receive.
  const std::int64_t expected = push.sparse_keys >= 0 ? push.sparse_keys : keys_.count();
  if (push.values != expected)
    throw error("server ", index_, ": worker ", push.worker, " (rank ", source, ") pushed ",
                push.values, " values for step ", push.step, ", the server expects ", expected,
                push.sparse_keys >= 0 ? " (one per key sent)" : " (its key range)");
  const auto w = static_cast<std::size_t>(push.worker);
  if (options_.step_check && push.step != clocks_[w] + 1)
    throw error("server ", index_, ": worker ", push.worker, " (rank ", source,
                ") is out of step: it pushed its gradient of step ", push.step,
                ", the server expects step ", clocks_[w] + 1, " (", describe_waits(),
                ") (--no-step-check turns this check off)");
}

void Server::decide_stop() {
  // A worker's clock is at most one past the last push this server received from it (it needs
  // this server's reply before pushing again), so every worker can still stop at max + 1, and
  // learns that clock from the next reply it gets from this server.
  if (stop_at_ >= 0) return;
  stop_at_ = *std::max_element(clocks_.begin(), clocks_.end()) + 1;
}

void Server::finish_bsp_step() {
  // Sum in worker order, not arrival order, so that a run is the same bit for bit every time.
  // Every worker pushed the same step (the step check says so); without the check, the latest.
  std::int64_t rows = 0, step = 0;
  const auto& first = slots_.front();
  const bool dense =
      first.keys.empty() && (first.shared != nullptr || first.values.size() == params_.size());
  for (std::size_t w = 0; w < slots_.size(); ++w) {
    rows += slots_[w].rows;
    step = std::max(step, slots_[w].step);
    last_staleness_[w] = version_ - push_version_[w];  // 0: bsp never computes on stale values
    slots_[w].filled = false;
  }
  slots_filled_ = 0;
  ++steps_applied_;
  if (dense) {
    accumulator_.assign(params_.size(), 0.0f);
    for (const auto& slot : slots_) {
      const float* values = slot.shared ? slot.shared : slot.values.data();
      for (std::size_t i = 0; i < params_.size(); ++i) accumulator_[i] += values[i];
    }
    apply({}, accumulator_, rows, step);
    return;
  }
  // Sparse: merge the pushed (key, value) pairs, in worker order within a key.
  merged_.clear();
  for (const auto& slot : slots_)
    for (std::size_t i = 0; i < slot.keys.size(); ++i)
      merged_.emplace_back(slot.keys[i], slot.values[i]);
  exchange::sum_by_key(merged_, merged_keys_, accumulator_);
  apply(merged_keys_, accumulator_, rows, step);
}

void Server::apply(std::span<const std::int64_t> keys, std::span<const float> values,
                   std::int64_t rows, std::int64_t step) {
  // Replies sent from params_ must have left before params_ change (sparse replies are copies).
  if (replies_from_params_) {
    transport_.flush();
    replies_from_params_ = false;
  }
  if (auto* recorder = trace::active()) recorder->set_step(step);
  trace::Scope span("apply");
  const double started = now_seconds();
  update(keys, values, rows, step);
  update_seconds_ += now_seconds() - started;
}

void Server::update(std::span<const std::int64_t> keys, std::span<const float> values,
                    std::int64_t rows, std::int64_t step) {
  ++version_;
  const float mean = rows > 0 ? 1.0f / static_cast<float>(rows) : 0.0f;
  const auto ctx = schedule_->at(step, mean);
  if (keys.empty() && values.size() == params_.size()) {
    optimizer_->step(params_, values, state_, ctx);
    return;
  }
  sparse_update_.step(*optimizer_, params_, state_, keys, values, ctx);  // the touched keys only
}

void Server::on_pull(int source, const Pull& pull) {
  check_request(source, pull.worker, pull.sparse_keys);
  PendingPull pending{source, pull, {}, now_seconds(), update_seconds_};
  if (pull.sparse_keys >= 0) {
    pending.keys.resize(static_cast<std::size_t>(pull.sparse_keys));
    transport_.receive_payload(source,
                               std::as_writable_bytes(std::span<std::int64_t>(pending.keys)));
  }
  payload_bytes_ += static_cast<std::int64_t>(pending.keys.size() * sizeof(std::int64_t));
  pending_.push_back(std::move(pending));
}

void Server::on_checkpoint(int source, const CheckpointRequest& request) {
  if (!servers_) throw error("server ", index_, ": asked for a checkpoint it cannot write");
  auto meta = request.meta;
  meta.optimizer_step = meta.global_step;  // optimizer time is the global step
  meta.state_slots = static_cast<std::int64_t>(optimizer_->state_slots());
  std::string path;
  try {
    // Servers may have seen different numbers of pushes in flight: all record server 0's view.
    std::vector<std::int64_t> clocks = clocks_;
    servers_->broadcast(std::span<std::int64_t>(clocks), 0);
    // Parallel HDF5 can hang in its collective calls once one server's write failed (disk
    // full). The workers waiting for the checkpoint name the server they wait for after
    // their deadline; some --deadline later, this server ends the job itself rather than wait
    // forever.
    const double limit = options_.checkpoint_seconds;
    const Watchdog watchdog(limit,
                            "server " + std::to_string(index_) + ": writing the checkpoint to " +
                                (request.to.file.empty() ? request.to.directory : request.to.file) +
                                " took longer than " + std::to_string(std::lround(limit)) +
                                " s (the workers' deadline plus --deadline): a "
                                "server's write failed or hangs (disk full?)");
    path = checkpoint::write_checkpoint(request.to, meta, keys_, params_, state_, clocks, *servers_,
                                        options_.checkpoint_hook);
  } catch (const comm::CollectiveError& e) {
    // The workers wait on the servers: the server that knows the cause ends the whole job.
    if (e.reporter()) throw Error(e.what());
    throw;
  }
  if (index_ == 0) transport_.send(source, Message(CheckpointDone{path}));
}

std::string Server::describe_waits() const {
  std::string text = "worker clocks (pushes received):";
  for (std::size_t w = 0; w < clocks_.size(); ++w)
    text += " worker " + std::to_string(w) + "=" + std::to_string(clocks_[w]);
  if (!pending_.empty())
    text += "; " + std::to_string(pending_.size()) + " pulls held back for consistency";
  return text;
}

std::int64_t Server::min_clock() const {
  return *std::min_element(clocks_.begin(), clocks_.end());
}

bool Server::can_answer(const PendingPull& pull) const {
  if (!initialized_) return false;
  switch (options_.consistency.kind) {
    case Consistency::Kind::kBsp:
      return steps_applied_ >= pull.request.clock;
    case Consistency::Kind::kSsp:
      return min_clock() >= pull.request.clock - options_.consistency.bound;
    case Consistency::Kind::kAsync:
      return true;
  }
  return true;
}

void Server::answer_ready_pulls() {
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (can_answer(*it)) {
      reply(*it);
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
}

void Server::reply(const PendingPull& pull) {
  trace::Scope span("reply");
  PullReply r;
  r.version = version_;
  r.min_clock = min_clock();
  r.staleness = last_staleness_[static_cast<std::size_t>(pull.request.worker)];
  r.waited_seconds =
      std::max(0.0, now_seconds() - pull.arrived - (update_seconds_ - pull.updating_at_arrival));
  r.update_seconds =
      update_seconds_ - updating_at_push_[static_cast<std::size_t>(pull.request.worker)];
  r.stop_at = stop_at_;
  r.stop_hint = stop_hint_;
  std::vector<float> values;
  if (pull.request.sparse_keys >= 0) {
    values.resize(pull.keys.size());
    for (std::size_t i = 0; i < pull.keys.size(); ++i) {
      values[i] = params_[local_index(pull.keys[i], pull.request.worker, "pulled")];
    }
  } else if (options_.shared != nullptr) {
    // Published into shared memory: the worker copies its range from there.
    publish();
    r.shared = true;
    ++publications_sent_[static_cast<std::size_t>(pull.request.worker)];
    payload_bytes_ += static_cast<std::int64_t>(params_.size() * sizeof(float));
    transport_.send(pull.source, Message(r));
    return;
  } else {
    // Sent from params_ itself: apply() waits for replies in flight before it changes them.
    payload_bytes_ += static_cast<std::int64_t>(params_.size() * sizeof(float));
    transport_.send_view(pull.source, Message(r), {std::as_bytes(std::span<const float>(params_))});
    replies_from_params_ = true;
    return;
  }
  payload_bytes_ += static_cast<std::int64_t>(values.size() * sizeof(float));
  transport_.send(pull.source, Message(r), std::move(values));
}

void Server::publish() {
  if (published_version_ == version_) return;
  const trace::Scope span("publish");
  // No worker may be copying the publication this one replaces.
  const double started = now_seconds();
  for (int w = 0; w < roles_.workers; ++w) {
    const auto& copied = options_.shared->copied(w, index_);
    const auto sent = publications_sent_[static_cast<std::size_t>(w)];
    for (comm::IdleWait idle; copied.load(std::memory_order_acquire) < sent; idle.pause())
      if (options_.deadline_seconds > 0 && now_seconds() - started > options_.deadline_seconds)
        throw error("server ", index_, ": worker ", w,
                    " has not copied the parameters it was sent for ", options_.deadline_seconds,
                    " s (--deadline)");
  }
  const auto out =
      options_.shared->published().subspan(static_cast<std::size_t>(keys_.first), params_.size());
  std::copy(params_.begin(), params_.end(), out.begin());
  published_version_ = version_;
}

}  // namespace psml::ps
