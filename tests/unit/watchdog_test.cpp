#include "psml/core/watchdog.hpp"

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
