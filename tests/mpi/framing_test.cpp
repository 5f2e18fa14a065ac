// Framed messages whose SendHandle moves while its sends are in flight (issue 11): MPI reads the
// header bytes at an address it was given at MPI_Isend, so a move of the handle must not relocate
// them. A header of a few bytes is the case that matters: a std::string keeps it inside itself
// (small-string buffer), and moving the string moves the bytes.
#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "psml/comm/framing.hpp"

namespace psml::comm {
namespace {

// The move constructor is what std::vector uses when it grows; it must not throw (or the vector
// would copy, which a handle cannot). Move assignment waits for the target's own sends, which can
// fail: it must be allowed to throw rather than end the program from a noexcept.
static_assert(std::is_nothrow_move_constructible_v<SendHandle>);
static_assert(!std::is_nothrow_move_assignable_v<SendHandle>);

struct Ring {
  int to, from;
};
Ring ring(const Communicator& world) {
  const int n = world.size(), r = world.rank();
  return {(r + 1) % n, (r + n - 1) % n};
}

std::int32_t header_value(int rank, int i) {
  return rank * 1000 + i;
}

std::vector<float> payload_values(int rank, int i) {
  std::vector<float> v(static_cast<std::size_t>(3 + i % 5));
  std::iota(v.begin(), v.end(), static_cast<float>(header_value(rank, i)) + 0.25f);
  return v;
}

TEST(Framing, ShortHeadersMovedByAGrowingVectorWhileInFlightArriveExactly) {
  const auto world = Communicator::world();
  const Channel channel(world);
  const auto [to, from] = ring(world);
  constexpr int kMessages = 40;
  // A 4-byte header: well inside std::string's small-string buffer.
  ASSERT_LT(encode(header_value(world.rank(), 0)).size(), std::string().capacity());

  std::vector<std::vector<float>> payloads;  // reserved: the payloads themselves never move
  payloads.reserve(kMessages);
  std::vector<SendHandle> sends;  // not reserved: each growth moves every handle in flight
  std::vector<const char*> addresses;
  for (int i = 0; i < kMessages; ++i) {
    payloads.push_back(payload_values(world.rank(), i));
    sends.push_back(channel.isend(to, header_value(world.rank(), i),
                                  {bytes_of(std::span<const float>(payloads.back()))}));
    addresses.push_back(sends.back().header_bytes().data());
  }
  ASSERT_GT(sends.capacity(), 1u);
  for (int i = 0; i < kMessages; ++i) {
    EXPECT_EQ(static_cast<const void*>(sends[static_cast<std::size_t>(i)].header_bytes().data()),
              static_cast<const void*>(addresses[static_cast<std::size_t>(i)]))
        << "message " << i << ": the header bytes moved with their handle while in flight";
  }

  for (int i = 0; i < kMessages; ++i) {
    std::int32_t header = -1;
    EXPECT_EQ(channel.receive_header(header, from), from);
    EXPECT_EQ(header, header_value(from, i));
    const auto want = payload_values(from, i);
    std::vector<float> got(want.size(), -1.0f);
    channel.receive_payload(from, writable_bytes_of(std::span<float>(got)));
    EXPECT_EQ(got, want) << "message " << i;
  }
  for (auto& s : sends) s.wait();
  world.barrier();
}

TEST(Framing, MoveAssignmentWaitsForItsOwnSendsAndKeepsTheIncomingBytesInPlace) {
  const auto world = Communicator::world();
  const Channel channel(world);
  const auto [to, from] = ring(world);
  const std::int32_t first = header_value(world.rank(), 1), second = header_value(world.rank(), 2);
  SendHandle target = channel.isend(to, first, {});
  SendHandle source = channel.isend(to, second, {});
  const char* in_flight = source.header_bytes().data();
  target = std::move(source);  // waits for `first`, then owns `second`'s sends
  EXPECT_EQ(static_cast<const void*>(target.header_bytes().data()),
            static_cast<const void*>(in_flight));
  EXPECT_TRUE(source.test());  // moved from: nothing left to send
  std::int32_t got = -1;
  channel.receive_header(got, from);
  EXPECT_EQ(got, header_value(from, 1));
  channel.receive_header(got, from);
  EXPECT_EQ(got, header_value(from, 2));
  target.wait();
  EXPECT_TRUE(target.test());
  world.barrier();
}

TEST(Framing, AHandleMovedIntoItselfKeepsItsSends) {
  const auto world = Communicator::world();
  const Channel channel(world);
  const auto [to, from] = ring(world);
  SendHandle handle = channel.isend(to, header_value(world.rank(), 3), {});
  auto& alias = handle;
  handle = std::move(alias);
  std::int32_t got = -1;
  channel.receive_header(got, from);
  EXPECT_EQ(got, header_value(from, 3));
  handle.wait();
  world.barrier();
}

}  // namespace
}  // namespace psml::comm
