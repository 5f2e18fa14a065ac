#include "psml/core/watchdog.hpp"

#include "psml/core/call_watchdog.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

namespace psml {
namespace {

TEST(Watchdog, EndsTheProcessWithItsMessageOncePastTheDeadline) {
  EXPECT_EXIT(
      {
        const Watchdog watchdog(0.05, "writing took too long");
        ::sleep(5);
      },
      ::testing::ExitedWithCode(1), "psml: error: writing took too long");
}

TEST(Watchdog, DoesNothingWhenDoneInTime) {
  { const Watchdog watchdog(0.2, "never printed"); }
  ::usleep(400 * 1000);  // past the deadline of the destroyed watchdog: still running
  SUCCEED();
}

}  // namespace
}  // namespace psml

namespace psml {
namespace {

TEST(Watchdog, PrintsTheMessageOfTheOneThatExpiredWhenTwoAreArmed) {
  EXPECT_EXIT(
      {
        const Watchdog later(5, "the later one");
        const Watchdog sooner(0.05, "the sooner one");
        ::sleep(2);
      },
      ::testing::ExitedWithCode(1), "psml: error: the sooner one");
}

TEST(CallWatchdog, EndsTheProcessOnceACallStaysArmedPastItsDeadline) {
  EXPECT_EXIT(
      {
        CallWatchdog watchdog("the allreduce never completed");
        watchdog.arm(0.05);
        ::sleep(5);
      },
      ::testing::ExitedWithCode(1), "psml: error: the allreduce never completed");
}

TEST(CallWatchdog, DisarmedOrDestroyedItDoesNothing) {
  {
    CallWatchdog watchdog("never printed");
    for (int i = 0; i < 1000; ++i) {  // armed and disarmed around many short calls
      watchdog.arm(0.05);
      watchdog.disarm();
    }
    watchdog.arm(0.05);
  }  // destroyed while armed
  CallWatchdog other("never printed either");
  other.arm(0.1);
  other.disarm();
  ::usleep(300 * 1000);
  SUCCEED();
}

}  // namespace
}  // namespace psml
