// The collective pieces of run records and of shared parameter-server payloads: strings broadcast
// and gathered, the clock offset to rank 0, a trace written by every rank into one file, and the
// shared-memory segment of --ps-transport shm.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "psml/comm/clock_offset.hpp"
#include "psml/comm/communicator.hpp"
#include "psml/ps/shared_payloads.hpp"
#include "psml/train/trace_file.hpp"

namespace psml {
namespace {

TEST(Strings, BroadcastAndGatherEveryRanksText) {
  const auto world = comm::Communicator::world();
  const std::string mine(static_cast<std::size_t>(world.rank()) * 3,
                         static_cast<char>('a' + world.rank()));
  EXPECT_EQ(world.broadcast(world.rank() == 0 ? std::string("from rank 0") : std::string(), 0),
            "from rank 0");
  const auto all = world.gather(mine, 0, "the test's gather");
  if (world.rank() != 0) {
    EXPECT_TRUE(all.empty());
    return;
  }
  ASSERT_EQ(all.size(), static_cast<std::size_t>(world.size()));
  for (int r = 0; r < world.size(); ++r)
    EXPECT_EQ(all[static_cast<std::size_t>(r)],
              std::string(static_cast<std::size_t>(r) * 3, static_cast<char>('a' + r)));
}

TEST(ClockOffset, RanksOnOneNodeShareTheClock) {
  // Every rank here reads the same steady clock: the measured offset is within the round trip.
  const auto world = comm::Communicator::world();
  const double offset = comm::clock_offset_to_root(world);
  if (world.rank() == 0) {
    EXPECT_EQ(offset, 0.0);
  }
  EXPECT_LT(std::abs(offset), 1e-3);
}

TEST(TraceSession, EveryRanksSpansInOneFile) {
  const auto world = comm::Communicator::world();
  const auto path =
      (std::filesystem::temp_directory_path() /
       ("psml-trace-test-" + world.broadcast(std::to_string(::getpid()), 0) + ".json"))
          .string();
  {
    train::TraceSession session(world, "worker " + std::to_string(world.rank()));
    trace::active()->set_step(world.rank() + 1);
    {
      const trace::Scope outer("step");
      const trace::Scope inner("forward", 2);
    }
    EXPECT_EQ(session.spans(), 2u);
    session.write(path);
  }
  EXPECT_EQ(trace::active(), nullptr);  // the session ended: tracing is off again
  world.barrier();
  if (world.rank() == 0) {
    const auto events = nlohmann::json::parse(std::ifstream(path))["traceEvents"];
    int spans = 0;
    for (const auto& e : events) {
      if (e["ph"] != "X") continue;
      ++spans;
      const int pid = e["pid"];
      EXPECT_EQ(e["args"]["step"], pid + 1);
      EXPECT_TRUE(e["name"] == "step" || e["name"] == "forward 2");
      EXPECT_GE(e["dur"].get<double>(), 0.0);
    }
    EXPECT_EQ(spans, 2 * world.size());
    std::filesystem::remove(path);
  }
}

TEST(SharedPayloads, SlotsAndPublicationsAreSharedAcrossRanks) {
  const auto world = comm::Communicator::world();
  const ps::Roles roles{world.size() - 1, 1};
  const std::int64_t keys = 1000;
  const auto shared = ps::SharedPayloads::make(ps::PayloadPath::kAuto, world, roles, keys, false,
                                               ps::KeyLayoutKind::kRanges);
  ASSERT_NE(shared, nullptr);  // one node, dense, ranges, small: auto takes shared memory
  // Each worker writes its slot; the server (the last rank) reads them all and publishes.
  if (!roles.is_server(world.rank())) {
    for (auto& v : shared->gradient(world.rank())) v = static_cast<float>(world.rank() + 1);
  }
  world.barrier();
  if (roles.is_server(world.rank())) {
    for (int w = 0; w < roles.workers; ++w)
      EXPECT_EQ(shared->gradient(w)[keys - 1], static_cast<float>(w + 1));
    for (auto& v : shared->published()) v = 7.0f;
  }
  world.barrier();
  EXPECT_EQ(shared->published()[0], 7.0f);
  if (!roles.is_server(world.rank())) shared->copied(world.rank(), 0).fetch_add(1);
  world.barrier();
  for (int w = 0; w < roles.workers; ++w) EXPECT_EQ(shared->copied(w, 0).load(), 1);
  // Sparse data, the blocks layout, or mpi: no shared memory.
  EXPECT_EQ(ps::SharedPayloads::make(ps::PayloadPath::kAuto, world, roles, keys, true,
                                     ps::KeyLayoutKind::kRanges),
            nullptr);
  EXPECT_EQ(ps::SharedPayloads::make(ps::PayloadPath::kMpi, world, roles, keys, false,
                                     ps::KeyLayoutKind::kRanges),
            nullptr);
}

}  // namespace
}  // namespace psml
