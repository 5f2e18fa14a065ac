#include "psml/train/trace_file.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "psml/comm/agreement.hpp"
#include "psml/comm/clock_offset.hpp"
#include "psml/core/atomic_file.hpp"
#include "psml/core/error.hpp"

namespace psml::train {
namespace {

using nlohmann::json;

double seconds_of(trace::Clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace

TraceSession::TraceSession(const comm::Communicator& world, std::string role)
    : world_(world), role_(std::move(role)), activation_(recorder_) {
  offset_ = comm::clock_offset_to_root(world_);
  // Time zero: rank 0's clock now, as this rank's clock reads it.
  double origin = seconds_of(trace::Clock::now());
  world_.broadcast(std::span<double>(&origin, 1), 0);
  origin += offset_;
  origin_ = trace::Clock::time_point(
      std::chrono::duration_cast<trace::Clock::duration>(std::chrono::duration<double>(origin)));
}

void TraceSession::write(const std::string& path) {
  const int rank = world_.rank();
  // Microseconds since the origin, to the nanosecond.
  const auto micros = [&](trace::Clock::time_point t) {
    return std::round(std::chrono::duration<double, std::micro>(t - origin_).count() * 1e3) / 1e3;
  };
  // This rank's events, as JSON array elements without the brackets.
  std::string track = "rank ";
  track.append(std::to_string(rank)).append(": ").append(role_);
  std::string events =
      json{{"name", "process_name"}, {"ph", "M"}, {"pid", rank}, {"args", {{"name", track}}}}
          .dump();
  const auto add = [&events](const json& event) {
    events += ',';
    events += event.dump();
  };
  add({{"name", "process_sort_index"},
       {"ph", "M"},
       {"pid", rank},
       {"args", {{"sort_index", rank}}}});
  for (const auto& span : recorder_.spans()) {
    std::string name = span.name;
    if (span.index >= 0) name.append(" ").append(std::to_string(span.index));
    add({{"name", name},
         {"cat", "psml"},
         {"ph", "X"},
         {"ts", micros(span.begin)},
         {"dur", micros(span.end) - micros(span.begin)},
         {"pid", rank},
         {"tid", 0},
         {"args", {{"step", span.step}}}});
  }
  const auto all = world_.gather(events, 0, "the gathering of --trace spans");
  comm::run_agreed(world_, [&] {
    if (rank != 0) return;
    write_atomically(path, [&](const std::string& temporary) {
      std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
      out << "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[";
      for (std::size_t r = 0; r < all.size(); ++r) out << (r ? "," : "") << all[r] << "\n";
      out << "]}\n";
      out.close();
      if (!out) throw error(path, ": cannot write the trace (--trace): ", std::strerror(errno));
    });
  });
}

}  // namespace psml::train
