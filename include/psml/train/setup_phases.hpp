// A run's set-up as one declared list of named phases that every rank walks in the same order,
// workers and parameter servers alike: each role gives a body for the phases it has work in, and
// the walk runs an empty agreed phase for the others. So the order two roles must agree on is
// code, not a count in a comment; a body for a phase the list does not declare, or a missing body
// of a collective phase, fails on every rank before any phase runs.
#pragma once

#include <functional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "psml/comm/communicator.hpp"

namespace psml::train {

struct SetupPhase {
  enum class Kind {
    kAgreed,      // each rank's body runs inside comm::run_agreed: a failure anywhere fails all
    kCollective,  // every rank's body is a collective over the world (or runs agreed phases of
                  // its own): every role must give one
  };
  std::string_view name;
  Kind kind = Kind::kAgreed;
};

// The set-up of a training run, in the order every rank walks it (train/worker_role.cpp and
// train/server_role.cpp give the bodies).
inline constexpr SetupPhase kTrainSetup[] = {
    {"read the training rows"},
    {"hold out the validation rows"},
    {"standardize the features"},  // collective over the workers, first thing in the phase
    {"read the test rows and build the model"},
    {"payload transport", SetupPhase::Kind::kCollective},
    {"weight matrices for powersgd", SetupPhase::Kind::kCollective},
    {"connect the exchange", SetupPhase::Kind::kCollective},
    {"resume"},
};

// One role's work in some of the phases, by name.
using PhaseBodies = std::vector<std::pair<std::string_view, std::function<void()>>>;

// Walks `phases` in order over `world`, running this rank's body of each (an empty agreed phase
// where it has none). First checks, agreed over `world`, that every body names a declared phase
// once and that every collective phase has a body. Collective.
void run_setup(const comm::Communicator& world, std::span<const SetupPhase> phases,
               const PhaseBodies& bodies);

}  // namespace psml::train
