// The messages between workers and servers. Each is a typed struct serialized with
// Boost.Serialization; its payload arrays follow as raw frames (see comm/framing.hpp), described
// by the counts in the struct. Every message travels as a Message, a variant: Boost writes which
// alternative it holds, then that struct.
#pragma once

#include <boost/serialization/string.hpp>
#include <boost/serialization/variant.hpp>
#include <boost/variant.hpp>
#include <cstdint>
#include <string>

#include "psml/checkpoint/checkpoint.hpp"

namespace psml::ps {

// Formatting off: clang-format would turn `archive & field` into a reference declaration.
// clang-format off

// Worker 0 → each server, once: the size of the key space, the total number of updates the
// schedule spans, and the initial values of the server's range. Payload: range floats, or none
// when every key starts at zero.
struct InitShard {
  std::int64_t num_keys = 0;
  std::int64_t total_updates = 0;
  bool zeros = false;
  bool keep_loaded = false;  // resumed: the server loaded its range from a checkpoint; no payload
  template <class Archive>
  void serialize(Archive& archive, unsigned) { archive & num_keys & total_updates & zeros & keep_loaded; }
};

// Worker → server: the gradient SUM over `rows` rows, computed on parameters of server version
// `version`, as the worker's push number `clock` (1-based) for training step `step` (1-based, over
// the run; the server checks it: a worker out of step ends the job). `values` counts the values
// of the payload. `stop`: the worker received SIGTERM / SIGINT, or a server hinted at one.
// Payload: for sparse pushes the sorted keys (int64, global), then the values (float); dense
// pushes cover the server's whole range.
struct Push {
  std::int32_t worker = 0;
  std::int64_t clock = 0;
  std::int64_t version = 0;
  std::int64_t rows = 0;
  std::int64_t sparse_keys = -1;  // -1: dense
  std::int64_t step = 0;
  std::int64_t values = 0;
  bool stop = false;
  template <class Archive>
  void serialize(Archive& archive, unsigned) { archive & worker & clock & version & rows & sparse_keys & step & values & stop; }
};

// Worker → server: parameters for the worker's next step; the worker has made `clock` pushes.
// Payload for sparse pulls: the sorted keys (int64, global).
struct Pull {
  std::int32_t worker = 0;
  std::int64_t clock = 0;
  std::int64_t sparse_keys = -1;  // -1: the whole range
  template <class Archive>
  void serialize(Archive& archive, unsigned) { archive & worker & clock & sparse_keys; }
};

// Server → worker: parameters at server `version`. Payload: the values (float).
// A stop is decided by server 0 alone, as a clock every worker has not yet passed (`stop_at`),
// so that all workers stop after the same step in every consistency mode; another server that
// received a signal only hints (`stop_hint`), and the workers pass the hint on to server 0.
struct PullReply {
  std::int64_t version = 0;
  std::int64_t min_clock = 0;   // the slowest worker's clock when the pull was answered
  std::int64_t staleness = -1;  // of this worker's previous push, as applied (-1: none yet)
  double waited_seconds = 0;    // how long the server held the pull back for consistency
  std::int64_t stop_at = -1;    // server 0: every worker stops once its clock reaches this
  bool stop_hint = false;       // this server received SIGTERM / SIGINT
  template <class Archive>
  void serialize(Archive& archive, unsigned) { archive & version & min_clock & staleness & waited_seconds & stop_at & stop_hint; }
};

// Worker → server: this worker has pushed its last gradient (`stopped`: early, on a signal).
struct Done {
  std::int32_t worker = 0;
  bool stopped = false;
  template <class Archive>
  void serialize(Archive& archive, unsigned) { archive & worker & stopped; }
};

// Worker 0 → each server: write your key range into the checkpoint described by `meta` (the
// servers write one file together), then server 0 answers with CheckpointDone.
struct CheckpointRequest {
  checkpoint::Metadata meta;
  std::string directory;
  std::int32_t keep = 3;
  template <class Archive>
  void serialize(Archive& archive, unsigned) { archive & meta & directory & keep; }
};

struct CheckpointDone {
  std::string path;
  template <class Archive>
  void serialize(Archive& archive, unsigned) { archive & path; }
};

// clang-format on

using Message =
    boost::variant<InitShard, Push, Pull, PullReply, Done, CheckpointRequest, CheckpointDone>;

}  // namespace psml::ps
