// --trace FILE: every rank records spans (core/trace.hpp) during the run; at the end rank 0
// gathers them and writes one Chrome trace (the JSON that Perfetto and chrome://tracing open):
// one track per rank, each span an "X" event with its global step in args.step, times in
// microseconds since the session started on rank 0, every rank's clock shifted onto rank 0's.
#pragma once

#include <string>

#include "psml/comm/communicator.hpp"
#include "psml/core/trace.hpp"

namespace psml::train {

class TraceSession {
 public:
  // Collective over `world`: measures this rank's clock offset to rank 0 and starts recording.
  // `role` names this rank's track ("worker 0", "server 1").
  TraceSession(const comm::Communicator& world, std::string role);

  // Collective: gathers every rank's spans on rank 0, which writes `path`. A file that cannot be
  // written is an error on every rank, naming it.
  void write(const std::string& path);

  std::size_t spans() const { return recorder_.spans().size(); }

 private:
  const comm::Communicator& world_;
  std::string role_;
  trace::Recorder recorder_;
  double offset_ = 0;                // this rank's clock minus rank 0's, seconds
  trace::Clock::time_point origin_;  // rank 0's start, on this rank's clock
  trace::Activation activation_;
};

}  // namespace psml::train
