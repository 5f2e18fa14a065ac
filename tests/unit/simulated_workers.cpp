#include "simulated_workers.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "psml/core/error.hpp"

namespace psml::ps::testing {

SimulatedWorkers::SimulatedWorkers(Options options)
    : options_(std::move(options)),
      random_(options_.seed),
      network_(options_.workers + 1),
      server_end_(network_, options_.workers),
      workers_(static_cast<std::size_t>(options_.workers)),
      received_clocks_(static_cast<std::size_t>(options_.workers), 0) {
  if (options_.speed.empty()) options_.speed.assign(workers_.size(), 1.0);
  const Roles roles{options_.workers, 1};
  for (int w = 0; w < options_.workers; ++w) {
    auto& worker = workers_[static_cast<std::size_t>(w)];
    worker.transport = std::make_unique<InProcessTransport>(network_, w);
    // A client only waits for a reply that is already in its inbox.
    worker.client = std::make_unique<WorkerClient>(*worker.transport, roles, w, options_.keys, 1);
  }
  // Worker 0 initialises the server; every worker then pulls (the first step's keys, if sparse).
  if (options_.sparse)
    workers_.front().client->init_servers_zero(options_.steps);
  else
    workers_.front().client->init_servers(options_.initial, options_.steps);
  for (int w = 0; w < options_.workers; ++w) pull(w, 1);
}

std::vector<std::int64_t> SimulatedWorkers::keys_of(int w, std::int64_t step) const {
  if (options_.sparse) return options_.touched(w, step);
  std::vector<std::int64_t> all(static_cast<std::size_t>(options_.keys));
  for (std::size_t k = 0; k < all.size(); ++k) all[k] = static_cast<std::int64_t>(k);
  return all;
}

void SimulatedWorkers::pull(int w, std::int64_t step) {
  auto& worker = workers_[static_cast<std::size_t>(w)];
  worker.keys = keys_of(w, step);
  worker.values.assign(worker.keys.size(), 0.0f);
  worker.pulled_at = worker.client->clock();
  worker.pull = options_.sparse
                    ? worker.client->pull(std::span<const std::int64_t>(worker.keys), worker.values)
                    : worker.client->pull(worker.values);
}

void SimulatedWorkers::advance(int w) {
  // Dense: the reply answered the pull after step `clock`; the worker pushes and pulls the next
  // step, or says Done after its last. Sparse: the reply answered the pull of step clock + 1's
  // keys; the worker pushes their gradients, then pulls the next step's keys (or says Done).
  auto& worker = workers_[static_cast<std::size_t>(w)];
  auto& client = *worker.client;
  client.wait(worker.pull);
  const std::int64_t step = client.clock() + 1;
  if (!options_.sparse && client.clock() == options_.steps) {
    client.done();
    return;
  }
  for (std::size_t i = 0; i < worker.keys.size(); ++i)
    worker.values[i] = options_.gradient(w, step, worker.keys[i]);
  client.set_step(step, false);
  const auto rows = options_.rows(w, step);
  client.wait(options_.sparse
                  ? client.push(std::span<const std::int64_t>(worker.keys), worker.values, rows)
                  : client.push(KeyRange{0, options_.keys}, worker.values, rows));
  if (!options_.sparse || step < options_.steps)
    pull(w, step + 1);
  else
    client.done();
}

int SimulatedWorkers::wait(double, int) {
  std::vector<double> weights;
  bool any = false;
  for (int w = 0; w < options_.workers; ++w) {
    const bool ready = server_end_.wait(1e-9, w) >= 0;  // a message of worker w is queued
    weights.push_back(ready ? options_.speed[static_cast<std::size_t>(w)] : 0.0);
    any = any || ready;
  }
  if (!any) return -1;  // every worker waits for the server: it would never hear from one again
  std::discrete_distribution<int> pick(weights.begin(), weights.end());
  return pick(random_);
}

void SimulatedWorkers::receive(int source, Message& message) {
  server_end_.receive(source, message);
  receiving_ = -1;
  if (const auto* push = boost::get<Push>(&message)) {
    ReceivedPush r{source, push->step, push->version, pushes_received_, push->rows, {}, {}};
    if (push->sparse_keys < 0) r.keys = keys_of(source, push->step);
    // The frames the server reads next are this push's keys (sparse), then its values.
    receiving_ = static_cast<std::ptrdiff_t>(pushes_.size());
    receiving_keys_ = push->sparse_keys > 0;
    pushes_.push_back(std::move(r));
    ++pushes_received_;
    received_clocks_[static_cast<std::size_t>(source)] = push->clock;
  } else if (boost::get<Done>(&message) == nullptr && boost::get<Pull>(&message) == nullptr &&
             boost::get<InitShard>(&message) == nullptr) {
    throw error("simulated worker ", source, " sent an unexpected message");
  }
}

void SimulatedWorkers::receive_payload(int source, std::span<std::byte> out) {
  server_end_.receive_payload(source, out);
  if (receiving_ < 0 || out.empty()) return;
  auto& r = pushes_[static_cast<std::size_t>(receiving_)];
  if (receiving_keys_) {
    r.keys.resize(out.size() / sizeof(std::int64_t));
    std::memcpy(r.keys.data(), out.data(), out.size());
    receiving_keys_ = false;
    return;
  }
  r.values.resize(out.size() / sizeof(float));
  std::memcpy(r.values.data(), out.data(), out.size());
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
  const auto& worker = workers_[static_cast<std::size_t>(dest)];
  EXPECT_EQ(values.size(), worker.keys.size()) << "reply to worker " << dest;
  replies_.push_back({dest, worker.pulled_at, received_clocks_, pushes_received_, *reply, values});
  server_end_.send(dest, message, std::move(values));
  advance(dest);
}

}  // namespace psml::ps::testing
