#include "simulated_workers.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "psml/core/error.hpp"

namespace psml::ps::testing {
namespace {

template <class T>
std::vector<std::byte> frame(const std::vector<T>& values) {
  std::vector<std::byte> bytes(values.size() * sizeof(T));
  if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

}  // namespace

SimulatedWorkers::SimulatedWorkers(Options options)
    : options_(std::move(options)),
      random_(options_.seed),
      workers_(static_cast<std::size_t>(options_.workers)),
      received_clocks_(static_cast<std::size_t>(options_.workers), 0) {
  if (options_.speed.empty()) options_.speed.assign(workers_.size(), 1.0);
  // Worker 0 initialises the server; every worker then pulls (the first step's keys, if sparse).
  InitShard init{options_.keys, options_.steps, options_.sparse, false};
  auto& first = workers_.front().outbox;
  first.push_back({Message(init), {}});
  if (!options_.sparse) first.back().frames.push_back(frame(options_.initial));
  for (int w = 0; w < options_.workers; ++w) queue_pull(w, keys_of(w, 1));
}

std::vector<std::int64_t> SimulatedWorkers::keys_of(int w, std::int64_t step) const {
  if (options_.sparse) return options_.touched(w, step);
  std::vector<std::int64_t> all(static_cast<std::size_t>(options_.keys));
  for (std::size_t k = 0; k < all.size(); ++k) all[k] = static_cast<std::int64_t>(k);
  return all;
}

void SimulatedWorkers::queue_push(int w, const std::vector<std::int64_t>& keys) {
  auto& worker = workers_[static_cast<std::size_t>(w)];
  const std::int64_t step = ++worker.clock;
  std::vector<float> values;
  for (const auto k : keys) values.push_back(options_.gradient(w, step, k));
  Push push{w,
            step,
            worker.version,
            options_.rows(w, step),
            options_.sparse ? static_cast<std::int64_t>(keys.size()) : -1,
            step,
            static_cast<std::int64_t>(values.size()),
            false};
  Outgoing out{Message(push), {}};
  if (options_.sparse && !keys.empty()) out.frames.push_back(frame(keys));
  if (!values.empty()) out.frames.push_back(frame(values));
  worker.outbox.push_back(std::move(out));
}

void SimulatedWorkers::queue_pull(int w, const std::vector<std::int64_t>& keys) {
  auto& worker = workers_[static_cast<std::size_t>(w)];
  Pull pull{w, worker.clock, options_.sparse ? static_cast<std::int64_t>(keys.size()) : -1};
  Outgoing out{Message(pull), {}};
  if (options_.sparse && !keys.empty()) out.frames.push_back(frame(keys));
  worker.pulled = keys;
  worker.outbox.push_back(std::move(out));
}

int SimulatedWorkers::wait(double, int) {
  std::vector<double> weights;
  bool any = false;
  for (std::size_t w = 0; w < workers_.size(); ++w) {
    const bool ready = !workers_[w].outbox.empty();
    weights.push_back(ready ? options_.speed[w] : 0.0);
    any = any || ready;
  }
  if (!any) return -1;  // every worker waits for the server: it would never hear from one again
  std::discrete_distribution<int> pick(weights.begin(), weights.end());
  return pick(random_);
}

void SimulatedWorkers::receive(int source, Message& message) {
  auto& worker = workers_[static_cast<std::size_t>(source)];
  if (worker.outbox.empty()) throw error("simulated worker ", source, " has nothing to send");
  current_ = std::move(worker.outbox.front());
  worker.outbox.pop_front();
  frames_.assign(current_.frames.begin(), current_.frames.end());
  message = current_.message;
  if (const auto* push = boost::get<Push>(&message)) {
    ReceivedPush r{source, push->step, push->version, pushes_received_, push->rows, {}, {}};
    // The frames are exactly what the server reads next: keep a copy of their contents.
    std::size_t f = 0;
    if (push->sparse_keys > 0) {
      const auto& bytes = current_.frames[f++];
      r.keys.resize(bytes.size() / sizeof(std::int64_t));
      std::memcpy(r.keys.data(), bytes.data(), bytes.size());
    } else if (push->sparse_keys < 0) {
      r.keys = keys_of(source, push->step);
    }
    if (push->values > 0) {
      const auto& bytes = current_.frames[f];
      r.values.resize(bytes.size() / sizeof(float));
      std::memcpy(r.values.data(), bytes.data(), bytes.size());
    }
    pushes_.push_back(std::move(r));
    ++pushes_received_;
    received_clocks_[static_cast<std::size_t>(source)] = push->clock;
  } else if (boost::get<Done>(&message) == nullptr && boost::get<Pull>(&message) == nullptr &&
             boost::get<InitShard>(&message) == nullptr) {
    throw error("simulated worker ", source, " sent an unexpected message");
  }
}

void SimulatedWorkers::receive_payload(int source, std::span<std::byte> out) {
  if (out.empty()) return;  // an empty payload travels as no frame at all
  if (frames_.empty()) throw error("server read a frame worker ", source, " did not send");
  const auto bytes = std::move(frames_.front());
  frames_.pop_front();
  if (bytes.size() != out.size())
    throw error("server read ", out.size(), " bytes of a ", bytes.size(), "-byte frame");
  std::memcpy(out.data(), bytes.data(), bytes.size());
}

void SimulatedWorkers::send_view(int dest, const Message& message,
                                 std::initializer_list<std::span<const std::byte>> frames) {
  std::vector<float> values;  // a server's reply has one frame, its values
  for (const auto frame : frames) {
    const auto at = values.size();
    values.resize(at + frame.size() / sizeof(float));
    if (!frame.empty()) std::memcpy(values.data() + at, frame.data(), frame.size());
  }
  send(dest, message, std::move(values));
}

void SimulatedWorkers::send(int dest, const Message& message, std::vector<float> values) {
  const auto* reply = boost::get<PullReply>(&message);
  if (!reply) throw error("server sent worker ", dest, " something other than a pull reply");
  auto& worker = workers_[static_cast<std::size_t>(dest)];
  EXPECT_EQ(values.size(), worker.pulled.size()) << "reply to worker " << dest;
  replies_.push_back({dest, worker.clock, received_clocks_, pushes_received_, *reply, values});
  worker.version = reply->version;
  // The worker's next step. Dense: the reply answered the pull after step `clock`; it pushes and
  // pulls the next step at once, or says Done after its last. Sparse: the reply answered the pull
  // of step clock + 1's keys; it pushes their gradients, then pulls the next step's keys.
  const std::int64_t next = worker.clock + 1;
  const Outgoing done{Message(Done{dest, false}), {}};
  if (!options_.sparse) {
    if (worker.clock == options_.steps) {
      worker.outbox.push_back(done);
      return;
    }
    queue_push(dest, worker.pulled);
    queue_pull(dest, keys_of(dest, next + 1));
    return;
  }
  queue_push(dest, worker.pulled);
  if (next < options_.steps)
    queue_pull(dest, keys_of(dest, next + 1));
  else
    worker.outbox.push_back(done);
}

}  // namespace psml::ps::testing
