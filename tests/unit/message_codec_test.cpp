#include "psml/comm/message_codec.hpp"

#include <gtest/gtest.h>

#include <climits>
#include <cstring>
#include <string>

#include "psml/ps/messages.hpp"

namespace psml::ps {
namespace {

Message decode_bytes(const std::string& bytes) {
  Message m;
  comm::decode(std::span<const char>(bytes), m);
  return m;
}

void expect_malformed(const std::string& bytes, const std::string& fragment) {
  try {
    decode_bytes(bytes);
    FAIL() << "expected an error containing '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(MessageCodec, RoundTripsEveryKind) {
  const auto push = decode_bytes(comm::encode(Message(Push{3, 12, 11, 64, 517})));
  const auto* p = boost::get<Push>(&push);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->worker, 3);
  EXPECT_EQ(p->sparse_keys, 517);
  const auto init = decode_bytes(comm::encode(Message(InitShard{10, 20, true, false})));
  ASSERT_NE(boost::get<InitShard>(&init), nullptr);
  EXPECT_TRUE(boost::get<InitShard>(&init)->zeros);
  EXPECT_FALSE(boost::get<InitShard>(&init)->keep_loaded);
  checkpoint::Metadata meta;
  meta.model = "mlp hidden=4";
  meta.config = std::string(1000, 'x');
  meta.class_names = {"cat", "dog", ""};
  meta.standardization = {{1.5, -2.0}, {0.25, 3.0}};
  const auto request =
      decode_bytes(comm::encode(Message(CheckpointRequest{meta, {"dir", 2, "m.h5"}})));
  ASSERT_NE(boost::get<CheckpointRequest>(&request), nullptr);
  EXPECT_EQ(boost::get<CheckpointRequest>(&request)->meta.model, "mlp hidden=4");
  EXPECT_EQ(boost::get<CheckpointRequest>(&request)->meta.config, meta.config);
  EXPECT_EQ(boost::get<CheckpointRequest>(&request)->meta.class_names, meta.class_names);
  EXPECT_EQ(boost::get<CheckpointRequest>(&request)->meta.standardization.mean,
            meta.standardization.mean);
  EXPECT_EQ(boost::get<CheckpointRequest>(&request)->meta.standardization.scale,
            meta.standardization.scale);
  EXPECT_EQ(boost::get<CheckpointRequest>(&request)->to.directory, "dir");
  EXPECT_EQ(boost::get<CheckpointRequest>(&request)->to.keep, 2);
  EXPECT_EQ(boost::get<CheckpointRequest>(&request)->to.file, "m.h5");
}

TEST(MessageCodec, MalformedBytesAreErrorsNotCrashes) {
  const auto done = comm::encode(Message(CheckpointDone{"ckpt/a.h5"}));
  expect_malformed(done.substr(0, done.size() - 2), "malformed message");
  expect_malformed("", "malformed message of 0 bytes");
  // An unknown message kind: the variant index (4 for Done, after Boost's class information) out
  // of range.
  auto unknown = comm::encode(Message(Done{1}));
  const int done_index = 4, bogus_index = 99;
  const auto at = unknown.find(std::string(reinterpret_cast<const char*>(&done_index), 4));
  ASSERT_NE(at, std::string::npos);
  std::memcpy(unknown.data() + at, &bogus_index, sizeof bogus_index);
  expect_malformed(unknown, "kind 99 is not in [0, 7)");
  // Regression (message_fuzz): a negative index decoded as a default InitShard, via signed
  // overflow inside Boost's variant loading.
  const int negative = INT32_MIN;
  std::memcpy(unknown.data() + at, &negative, sizeof negative);
  expect_malformed(unknown, "kind -2147483648 is not in [0, 7)");
}

// Regression for decoding untrusted bytes: a string length of 2^62 used to go straight to
// std::string::resize (Boost's own string loading); a flag byte of 7 loaded into a bool.
TEST(MessageCodec, DeclaredSizesAndFlagsAreChecked) {
  const std::string path = "ckpt/a.h5";
  auto bytes = comm::encode(Message(CheckpointDone{path}));
  const std::uint64_t huge = std::uint64_t{1} << 62;
  const auto at = bytes.size() - path.size() - sizeof huge;
  std::memcpy(bytes.data() + at, &huge, sizeof huge);
  expect_malformed(bytes, "a string of 4611686018427387904 bytes");

  auto init = comm::encode(Message(InitShard{10, 20, true, false}));
  init[init.size() - 2] = 7;  // `zeros`
  expect_malformed(init, "flag byte 7 is not 0 or 1");
  // Regression (message_fuzz): the stop flag of a push, added later, was loaded as a raw bool.
  Push push;
  push.stop = true;
  auto pushed = comm::encode(Message(push));
  pushed.back() = static_cast<char>(222);
  expect_malformed(pushed, "flag byte 222 is not 0 or 1");
}

}  // namespace
}  // namespace psml::ps
