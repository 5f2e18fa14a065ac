#include "psml/train/setup_phases.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "psml/comm/agreement.hpp"

namespace psml {
namespace {

using train::PhaseBodies;
using train::SetupPhase;

constexpr SetupPhase kPhases[] = {
    {"read"},
    {"share", SetupPhase::Kind::kCollective},
    {"resume"},
};

// The last rank plays a second role (a server), whose bodies are `other`; the others `mine`.
void walk(const PhaseBodies& mine, const PhaseBodies& other) {
  const auto world = comm::Communicator::world();
  train::run_setup(world, kPhases, world.rank() == world.size() - 1 ? other : mine);
}

TEST(SetupPhases, EveryRankWalksTheDeclaredOrderWhateverItsRoleGives) {
  const auto world = comm::Communicator::world();
  std::vector<std::string> ran;
  int shared = 0;
  const auto share = [&] { shared = world.allreduce(1, comm::ReduceOp::kSum); };
  // A worker gives its bodies out of order; a server has work in the collective phase only.
  const PhaseBodies worker{{"resume", [&] { ran.push_back("resume"); }},
                           {"share",
                            [&] {
                              share();
                              ran.push_back("share");
                            }},
                           {"read", [&] { ran.push_back("read"); }}};
  const PhaseBodies server{{"share", [&] {
                              share();
                              ran.push_back("share");
                            }}};
  walk(worker, server);
  EXPECT_EQ(shared, world.size());
  const std::vector<std::string> expected =
      world.rank() == world.size() - 1 ? std::vector<std::string>{"share"}
                                       : std::vector<std::string>{"read", "share", "resume"};
  EXPECT_EQ(ran, expected);
}

// A phase added to one role only (a body the list does not declare) fails on every rank before
// any rank runs a phase: nobody waits in a collective the other role never joins.
TEST(SetupPhases, APhaseOfOneRoleOnlyIsCaughtBeforeAnyPhaseRuns) {
  const auto world = comm::Communicator::world();
  int ran = 0;
  const auto count = [&] { ++ran; };
  const PhaseBodies worker{{"read", count}, {"share", count}, {"check the labels", count}};
  const PhaseBodies server{{"share", count}};
  try {
    walk(worker, server);
    FAIL() << "every rank must throw";
  } catch (const comm::CollectiveError& e) {
    if (world.rank() == 0) {
      EXPECT_NE(std::string(e.what()).find("'check the labels'"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(ran, 0);
}

TEST(SetupPhases, ARoleWithoutABodyForACollectivePhaseIsCaughtBeforeAnyPhaseRuns) {
  const auto world = comm::Communicator::world();
  int ran = 0;
  const auto count = [&] { ++ran; };
  const PhaseBodies worker{{"read", count}, {"share", count}};
  const PhaseBodies server{{"resume", count}};  // forgot the collective
  try {
    walk(worker, server);
    FAIL() << "every rank must throw";
  } catch (const comm::CollectiveError& e) {
    if (world.rank() == world.size() - 1) {
      EXPECT_NE(std::string(e.what()).find("collective phase 'share'"), std::string::npos)
          << e.what();
    }
  }
  EXPECT_EQ(ran, 0);
}

TEST(SetupPhases, AFailingPhaseFailsEveryRankAndStopsTheWalk) {
  const auto world = comm::Communicator::world();
  bool resumed = false;
  const PhaseBodies worker{{"read", [&] { throw error("bad rows"); }},
                           {"share", [] {}},
                           {"resume", [&] { resumed = true; }}};
  const PhaseBodies server{{"share", [] {}}};
  EXPECT_THROW(walk(worker, server), comm::CollectiveError);
  EXPECT_FALSE(resumed);
}

}  // namespace
}  // namespace psml
