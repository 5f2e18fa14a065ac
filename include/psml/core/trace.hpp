// Spans of a run's timeline (--trace): what each rank did when, for a Chrome trace
// (train/trace_file.hpp writes them). Code marks a span with a Scope:
//
//   { trace::Scope span("allreduce"); ... }         // or Scope("forward", layer)
//
// With no recorder active (tracing off, the default) a Scope costs one load and one branch. With
// one, it reads the clock twice and appends to a vector reserved up front: no allocation in the
// steady state until the reserve is used up. One thread records: the rank's main thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace psml::trace {

using Clock = std::chrono::steady_clock;

struct Span {
  const char* name;   // a string literal
  int index;          // e.g. the layer of "forward" (-1: none)
  std::int64_t step;  // the global step it belongs to (0: before the first)
  Clock::time_point begin;
  Clock::time_point end;
};

class Recorder {
 public:
  explicit Recorder(std::size_t reserve = 1 << 16) { spans_.reserve(reserve); }
  // The global step later spans belong to.
  void set_step(std::int64_t step) { step_ = step; }
  std::int64_t step() const { return step_; }
  void add(const char* name, int index, Clock::time_point begin, Clock::time_point end) {
    spans_.push_back({name, index, step_, begin, end});
  }
  const std::vector<Span>& spans() const { return spans_; }

 private:
  std::vector<Span> spans_;
  std::int64_t step_ = 0;
};

namespace detail {
inline Recorder* active = nullptr;
}

// The recorder spans go to (null: tracing off).
inline Recorder* active() {
  return detail::active;
}

// Makes `recorder` the active one for its lifetime (tracing on for this rank).
class Activation {
 public:
  explicit Activation(Recorder& recorder) : previous_(detail::active) {
    detail::active = &recorder;
  }
  ~Activation() { detail::active = previous_; }
  Activation(const Activation&) = delete;
  Activation& operator=(const Activation&) = delete;

 private:
  Recorder* previous_;
};

// A span from construction to destruction.
class Scope {
 public:
  explicit Scope(const char* name, int index = -1)
      : recorder_(detail::active), name_(name), index_(index) {
    if (recorder_) begin_ = Clock::now();
  }
  ~Scope() {
    if (recorder_) recorder_->add(name_, index_, begin_, Clock::now());
  }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  Recorder* recorder_;
  const char* name_;
  int index_;
  Clock::time_point begin_{};
};

}  // namespace psml::trace
