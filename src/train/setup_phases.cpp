#include "psml/train/setup_phases.hpp"

#include <algorithm>
#include <string>

#include "psml/comm/agreement.hpp"
#include "psml/core/error.hpp"

namespace psml::train {
namespace {

const std::function<void()>* body_of(const PhaseBodies& bodies, std::string_view name) {
  for (const auto& [phase, body] : bodies)
    if (phase == name) return &body;
  return nullptr;
}

void check_bodies(std::span<const SetupPhase> phases, const PhaseBodies& bodies, int rank) {
  // A plain name, not a structured binding: clang 14 (the fuzz build) captures none in a lambda.
  for (const auto& given : bodies) {
    const std::string_view name = given.first;
    const bool declared = std::any_of(phases.begin(), phases.end(),
                                      [&](const SetupPhase& p) { return p.name == name; });
    if (!declared)
      throw error("set-up: rank ", rank, " has a phase '", name,
                  "' that the declared set-up list does not hold (add it to the list, so that "
                  "every role walks it)");
    const auto same =
        std::count_if(bodies.begin(), bodies.end(), [&](const auto& b) { return b.first == name; });
    if (same > 1) throw error("set-up: rank ", rank, " gives phase '", name, "' ", same, " bodies");
  }
  for (const auto& phase : phases)
    if (phase.kind == SetupPhase::Kind::kCollective && body_of(bodies, phase.name) == nullptr)
      throw error("set-up: rank ", rank, " has no body for the collective phase '", phase.name,
                  "' (every role joins its collectives)");
}

}  // namespace

void run_setup(const comm::Communicator& world, std::span<const SetupPhase> phases,
               const PhaseBodies& bodies) {
  comm::run_agreed(world, [&] { check_bodies(phases, bodies, world.rank()); });
  for (const auto& phase : phases) {
    const auto* body = body_of(bodies, phase.name);
    if (phase.kind == SetupPhase::Kind::kCollective)
      (*body)();
    else
      comm::run_agreed(
          world, body ? *body : [] {});
  }
}

}  // namespace psml::train
