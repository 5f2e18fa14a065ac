// The messages between workers and servers. Each is a typed struct serialized with
// Boost.Serialization; its payload arrays follow as raw frames (see comm/framing.hpp), described
// by the counts in the struct. Every message travels as a Message, a variant: Boost writes which
// alternative it holds, then that struct. Strings and flags go through comm/message_codec.hpp's
// checked helpers, so decoding untrusted bytes never allocates what they claim.
#pragma once

#include <boost/variant.hpp>
#include <cstdint>
#include <string>
#include <tuple>
#include <utility>

#include "psml/checkpoint/checkpoint.hpp"
#include "psml/comm/message_codec.hpp"

namespace psml::ps {

// Formatting off: clang-format would turn `archive & field` into a reference declaration.
// clang-format off

// Worker 0 → each server, once: the size of the key space, the number of global steps the
// schedule spans, and the initial values of the server's range. Payload: range floats, or none
// when every key starts at zero.
struct InitShard {
  std::int64_t num_keys = 0;
  std::int64_t total_steps = 0;
  bool zeros = false;
  bool keep_loaded = false;  // resumed: the server loaded its range from a checkpoint; no payload
  template <class Archive>
  void serialize(Archive& archive, unsigned) {
    archive & num_keys & total_steps;
    comm::serialize_flag(archive, zeros);
    comm::serialize_flag(archive, keep_loaded);
  }
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
  bool shared = false;  // the values are in the worker's slot of ps/shared_payloads, not a payload
  bool encoded = false;  // the payload is the values encoded by --compression's codec
  template <class Archive>
  void serialize(Archive& archive, unsigned) {
    archive & worker & clock & version & rows & sparse_keys & step & values;
    comm::serialize_flag(archive, stop);
    comm::serialize_flag(archive, shared);
    comm::serialize_flag(archive, encoded);
  }
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
  double waited_seconds = 0;    // how long the server held the pull back, updates excluded
  double update_seconds = 0;    // server time in optimizer updates since this worker's last push
  std::int64_t stop_at = -1;    // server 0: every worker stops once its clock reaches this
  bool stop_hint = false;       // this server received SIGTERM / SIGINT
  bool shared = false;  // the values are published in ps/shared_payloads, not a payload
  template <class Archive>
  void serialize(Archive& archive, unsigned) {
    archive & version & min_clock & staleness & waited_seconds & update_seconds & stop_at;
    comm::serialize_flag(archive, stop_hint);
    comm::serialize_flag(archive, shared);
  }
};

// Worker → server: this worker has pushed its last gradient (`stopped`: early, on a signal).
struct Done {
  std::int32_t worker = 0;
  bool stopped = false;
  template <class Archive>
  void serialize(Archive& archive, unsigned) {
    archive & worker;
    comm::serialize_flag(archive, stopped);
  }
};

// Worker 0 → each server: write your key range into the checkpoint described by `meta` (the
// servers write one file together), then server 0 answers with CheckpointDone.
struct CheckpointRequest {
  checkpoint::Metadata meta;
  checkpoint::Destination to;
  template <class Archive>
  void serialize(Archive& archive, unsigned) { archive & meta & to; }
};

struct CheckpointDone {
  std::string path;
  template <class Archive>
  void serialize(Archive& archive, unsigned) { comm::serialize_string(archive, path); }
};

// clang-format on

using Message =
    boost::variant<InitShard, Push, Pull, PullReply, Done, CheckpointRequest, CheckpointDone>;
using MessageKinds =
    std::tuple<InitShard, Push, Pull, PullReply, Done, CheckpointRequest, CheckpointDone>;

namespace detail {
template <class Archive, std::size_t... I>
void load_kind(Archive& archive, Message& message, std::int32_t which, std::index_sequence<I...>) {
  const auto load = [&](auto value) {
    archive& value;
    message = std::move(value);
  };
  ((which == static_cast<std::int32_t>(I) ? load(std::tuple_element_t<I, MessageKinds>{}) : void()),
   ...);
}
}  // namespace detail

// Which alternative, then that struct. Not Boost's own variant serialization: it accepts a
// negative index (found by message_fuzz: the index counts down past INT_MIN, undefined
// behaviour, and the message decodes as a default InitShard).
template <class Archive>
void serialize_message(Archive& archive, Message& message) {
  constexpr auto kinds = std::tuple_size_v<MessageKinds>;
  std::int32_t which = message.which();
  archive& which;
  if constexpr (Archive::is_loading::value) {
    if (which < 0 || which >= static_cast<std::int32_t>(kinds))
      throw error("malformed message: kind ", which, " is not in [0, ", kinds, ")");
    detail::load_kind(archive, message, which, std::make_index_sequence<kinds>{});
  } else {
    boost::apply_visitor([&](auto& value) { archive& value; }, message);
  }
}

}  // namespace psml::ps

namespace boost::serialization {
template <class Archive>
void serialize(Archive& archive, psml::ps::Message& message, unsigned) {
  psml::ps::serialize_message(archive, message);
}
}  // namespace boost::serialization
