#include "psml/train/metrics_log.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>

#include "psml/core/error.hpp"

namespace psml::train {
namespace {

using nlohmann::json;

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// The time split and traffic of `c` per worker (c summed over `workers`).
void add_split(json& j, const exchange::EpochCounters& c, double workers, bool ps) {
  j["compute_s"] = c.compute_seconds / workers;
  j["communication_s"] = (ps ? c.push_seconds + c.pull_seconds : c.allreduce_seconds) / workers;
  j["wait_s"] = c.wait_seconds / workers;
  j["optimizer_s"] = c.optimizer_seconds / workers;
  j["bytes_sent"] = c.bytes_sent / workers;
  j["bytes_received"] = c.bytes_received / workers;
}

// Counters from `since` to `now` (`since` earlier in the same epoch).
exchange::EpochCounters difference(const exchange::EpochCounters& now,
                                   const exchange::EpochCounters& since) {
  exchange::EpochCounters d = now;
  for (const auto field : exchange::EpochCounters::kSums) d.*field -= since.*field;
  for (std::size_t i = 0; i < d.staleness.size(); ++i) d.staleness[i] -= since.staleness[i];
  return d;
}

json staleness_of(const exchange::EpochCounters& c) {
  json j = json::object();
  const int n = exchange::EpochCounters::kStalenessBuckets;
  for (int s = 0; s < n; ++s)
    j[s + 1 == n ? std::to_string(s) + "+" : std::to_string(s)] =
        static_cast<long long>(c.staleness[static_cast<std::size_t>(s)]);
  return j;
}

// A float as JSON with the digits the float has (0.1, not 0.10000000149011612).
json float_value(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.7g", value);
  return std::strtod(text, nullptr);
}

}  // namespace

MetricsLog::MetricsLog(const std::string& path) : path_(path), out_(path, std::ios::app) {
  if (!out_) throw error(path, ": cannot write the metrics: ", std::strerror(errno));
}

double MetricsLog::elapsed() const {
  return std::chrono::duration<double>(Clock::now() - start_).count();
}

void MetricsLog::write(const std::string& line) {
  out_ << line << '\n';
  out_.flush();  // a line per record, readable while the run goes on
  if (!out_) throw error(path_, ": cannot write the metrics: ", std::strerror(errno));
}

void MetricsLog::run(const RunHeader& h, const std::string& settings_toml) {
  const bool ps = h.mode == "ps";
  json j = {{"type", "run"},
            {"started", utc_now()},
            {"label", h.label},
            {"model", h.model},
            {"mode", h.mode},
            {"exchange", h.exchange},
            {"consistency", ps ? json(h.consistency) : json(nullptr)},
            {"ranks", h.ranks},
            {"workers", h.workers},
            {"servers", h.servers},
            {"data", h.data},
            {"rows", h.rows},
            {"features", h.features},
            {"classes", h.classes},
            {"params", h.params},
            {"global_batch", h.global_batch},
            {"steps_per_epoch", h.steps_per_epoch},
            {"epochs", h.epochs},
            {"first_epoch", h.first_epoch},
            {"first_step", h.first_step},
            {"optimizer", h.optimizer},
            {"config", settings_toml}};
  write(j.dump());
}

void MetricsLog::step(const StepProgress& now, const StepProgress& since) {
  const auto c = difference(now.counters, since.counters);
  const double seconds = now.seconds - since.seconds;
  json j = {{"type", "step"},
            {"scope", "worker 0"},
            {"time_s", elapsed()},
            {"epoch", now.epoch},
            {"step", now.global_step},
            {"train_loss", c.rows > 0 ? json(c.loss_sum / c.rows) : json(nullptr)},
            {"test_loss", nullptr},
            {"test_accuracy", nullptr},
            {"test_rmse", nullptr},
            {"samples_per_second", seconds > 0 ? c.rows * now.workers / seconds : 0.0},
            {"lr", float_value(now.lr)},
            {"max_clock_gap", nullptr},
            {"staleness", nullptr}};
  add_split(j, c, 1.0, now.parameter_server);
  write(j.dump());
}

void MetricsLog::epoch(const EpochMetrics& m) {
  const auto& c = m.counters;
  json j = {{"type", "epoch"},
            {"scope", "mean over workers"},
            {"time_s", elapsed()},
            {"epoch", m.epoch},
            {"step", m.global_step},
            {"train_loss", m.train_loss},
            {"test_loss", m.has_test ? json(m.test_loss) : json(nullptr)},
            {"test_accuracy", m.has_test && !m.regression ? json(m.test_accuracy) : json(nullptr)},
            {"test_rmse", m.has_test && m.regression ? json(m.test_rmse) : json(nullptr)},
            {"validation_loss", m.has_validation ? json(m.validation_loss) : json(nullptr)},
            {"validation_accuracy",
             m.has_validation && !m.regression ? json(m.validation_accuracy) : json(nullptr)},
            {"validation_rmse",
             m.has_validation && m.regression ? json(m.validation_rmse) : json(nullptr)},
            {"samples_per_second", m.samples_per_second},
            {"epoch_s", m.seconds},
            {"steps", m.steps},
            {"lr", float_value(m.lr)},
            {"max_clock_gap",
             m.parameter_server ? json(static_cast<long long>(c.max_clock_gap)) : json(nullptr)},
            {"staleness", m.parameter_server ? staleness_of(c) : json(nullptr)}};
  add_split(j, c, m.workers, m.parameter_server);
  write(j.dump());
}

}  // namespace psml::train
