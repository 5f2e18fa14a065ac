#include <gtest/gtest.h>
#include <stdlib.h>

#include <array>
#include <cstring>
#include <filesystem>
#include <limits>
#include <vector>

#include "psml/checkpoint/checkpoint.hpp"
#include "psml/comm/agreement.hpp"

namespace psml {
namespace {

// A directory every rank names the same way (made by rank 0).
std::string shared_temporary_directory(const comm::Communicator& world) {
  std::array<std::uint8_t, 256> name{};
  auto* text = reinterpret_cast<char*>(name.data());
  if (world.rank() == 0) {
    std::strcpy(text, "/tmp/psml_checkpoint_test_XXXXXX");
    if (!mkdtemp(text)) text[0] = '\0';
  }
  world.broadcast(std::span<std::uint8_t>(name), 0);
  return text;
}

TEST(Checkpoint, ParallelWritersRefuseParametersThatAreNotFiniteAndWriteNothing) {
  const auto world = comm::Communicator::world();
  const auto dir = shared_temporary_directory(world);
  ASSERT_FALSE(dir.empty());
  checkpoint::Metadata meta;
  meta.model = "test";
  meta.optimizer = "sgd";
  meta.global_step = 7;
  meta.num_params = 10 * world.size();
  const data::RowRange keys{10 * world.rank(), 10};
  std::vector<float> params(10, 0.5f);
  const std::vector<std::int64_t> clocks{7};
  const auto good =
      checkpoint::write_checkpoint({dir, 3, ""}, meta, keys, params, {}, clocks, world);
  params[3] = world.rank() == world.size() - 1 ? std::numeric_limits<float>::quiet_NaN() : 1.0f;
  meta.global_step = 8;
  try {
    checkpoint::write_checkpoint({dir, 3, ""}, meta, keys, params, {}, clocks, world);
    FAIL() << "every writer must refuse";
  } catch (const comm::CollectiveError& e) {
    EXPECT_EQ(e.reporter(), world.rank() == world.size() - 1);
    if (e.reporter()) {
      EXPECT_NE(std::string(e.what()).find("refusing to write checkpoint"), std::string::npos)
          << e.what();
    }
  }
  world.barrier();
  std::vector<std::string> notes;
  if (world.rank() == 0) {
    EXPECT_EQ(checkpoint::find_valid_checkpoint(dir, notes), good);
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& f : std::filesystem::directory_iterator(dir)) ++files;
    EXPECT_EQ(files, 2u) << "the first checkpoint and latest, nothing else";
    std::filesystem::remove_all(dir);
  }
}

TEST(Checkpoint, AModelFileIsACheckpointWrittenToThatPathAlone) {
  const auto world = comm::Communicator::world();
  const auto dir = shared_temporary_directory(world);
  ASSERT_FALSE(dir.empty());
  checkpoint::Metadata meta;
  meta.model = "test";
  meta.optimizer = "adam";
  meta.global_step = meta.optimizer_step = 12;
  meta.num_params = 3 * world.size();
  meta.state_slots = 2;
  const data::RowRange keys{3 * world.rank(), 3};
  const std::vector<float> params(3, static_cast<float>(world.rank()));
  const std::vector<float> state(6, 0.25f);
  const std::vector<std::int64_t> clocks{12};
  const auto file = dir + "/models/final.h5";
  EXPECT_EQ(checkpoint::write_checkpoint({"", 3, file}, meta, keys, params, state, clocks, world),
            file);
  world.barrier();
  if (world.rank() == 0) {
    std::vector<std::string> notes;
    EXPECT_EQ(checkpoint::find_valid_checkpoint(file, notes), file);
    const auto read = checkpoint::read_metadata(file);
    EXPECT_EQ(read.global_step, 12);
    std::vector<float> all(static_cast<std::size_t>(meta.num_params)), all_state(2 * all.size());
    checkpoint::read_range(file, read, data::RowRange{0, meta.num_params}, all, all_state);
    for (int r = 0; r < world.size(); ++r) EXPECT_EQ(all[static_cast<std::size_t>(3 * r)], r);
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& f : std::filesystem::directory_iterator(dir + "/models"))
      ++files;
    EXPECT_EQ(files, 1u) << "the model file only: no latest, no temporary file";
    std::filesystem::remove_all(dir);
  }
}

}  // namespace
}  // namespace psml
