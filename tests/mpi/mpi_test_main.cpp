// GoogleTest under mpiexec: every rank runs every test; rank 0 prints the whole report, the other
// ranks print only their failures, each line prefixed with the rank; the exit code is non-zero if
// any test failed on any rank.
#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>
#include <string>

#include "psml/comm/communicator.hpp"
#include "psml/comm/environment.hpp"

namespace {

// A failure on a rank other than 0 would otherwise turn the test red with no word of what failed:
// "[rank 2] file:line: Failure in Suite.Test", then the assertion's message, line by line.
class RankFailurePrinter final : public ::testing::EmptyTestEventListener {
 public:
  explicit RankFailurePrinter(int rank) : rank_(rank) {}

  // Kept here: UnitTest::current_test_info() would wait on the lock gtest holds while it reports
  // a result.
  void OnTestStart(const ::testing::TestInfo& test) override {
    test_ = std::string(test.test_suite_name()) + "." + test.name();
  }

  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (!result.failed()) return;
    std::ostringstream text;
    text << "[rank " << rank_ << "] ";
    if (result.file_name() != nullptr) {
      text << result.file_name();
      if (result.line_number() >= 0) text << ":" << result.line_number();
      text << ": ";
    }
    text << "Failure in " << test_ << "\n";
    std::istringstream message(result.message());
    for (std::string line; std::getline(message, line);)
      text << "[rank " << rank_ << "] " << line << "\n";
    // One write per failure: the ranks' lines interleave whole.
    std::fputs(text.str().c_str(), stderr);
    std::fflush(stderr);
  }

 private:
  int rank_;
  std::string test_;  // the test running, Suite.Name
};

}  // namespace

int main(int argc, char** argv) {
  psml::comm::Environment env(argc, argv, psml::comm::Threading::kFunneled);
  ::testing::InitGoogleTest(&argc, argv);
  const auto world = psml::comm::Communicator::world();
  if (world.rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new RankFailurePrinter(world.rank()));
  }
  const int failed = RUN_ALL_TESTS() != 0 ? 1 : 0;
  const int failed_anywhere = world.allreduce(failed, psml::comm::ReduceOp::kMax);
  if (world.rank() == 0 && failed_anywhere != 0 && failed == 0)
    std::fputs("psml_mpi_tests: FAILED on another rank (see its [rank N] lines)\n", stderr);
  return failed_anywhere;
}
