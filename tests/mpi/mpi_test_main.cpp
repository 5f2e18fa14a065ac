// GoogleTest under mpiexec: every rank runs every test; rank 0 prints; the exit code is non-zero
// if any test failed on any rank.
#include <gtest/gtest.h>

#include "psml/comm/communicator.hpp"
#include "psml/comm/environment.hpp"

int main(int argc, char** argv) {
  psml::comm::Environment env(argc, argv, psml::comm::Threading::kFunneled);
  ::testing::InitGoogleTest(&argc, argv);
  const auto world = psml::comm::Communicator::world();
  if (world.rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  const int failed = RUN_ALL_TESTS() != 0 ? 1 : 0;
  return world.allreduce(failed, psml::comm::ReduceOp::kMax);
}
