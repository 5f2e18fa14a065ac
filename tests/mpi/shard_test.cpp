#include <gtest/gtest.h>

#include <filesystem>

#include "psml/comm/communicator.hpp"
#include "psml/data/batcher.hpp"
#include "psml/data/shard_reader.hpp"
#include "psml/data/synthetic.hpp"

namespace psml::data {
namespace {

// A file with a row count that no tested rank count divides, written by rank 0.
std::string shared_file(const comm::Communicator& world, std::int64_t rows) {
  const auto path = (std::filesystem::temp_directory_path() /
                     ("psml_mpi_shard_" + std::to_string(world.size()) + ".h5"))
                        .string();
  if (world.rank() == 0) {
    SyntheticSpec spec;
    spec.rows = rows;
    spec.features = 5;
    spec.classes = 3;
    write_synthetic(spec, path);
  }
  world.barrier();
  return path;
}

TEST(Shards, ConcatenateToExactlyTheFilesRows) {
  const auto world = comm::Communicator::world();
  const std::int64_t rows = 1009;  // prime: uneven shards on 2, 3 and 4 ranks
  const auto path = shared_file(world, rows);
  const auto info = describe_dataset(path);
  const auto range = balanced_range(info.rows, world.size(), world.rank());
  const auto shard = read_shard(info, range);
  EXPECT_EQ(shard.x.rows(), range.count);

  // Each rank places its shard at its offset in a zeroed global buffer; the sum of the buffers
  // must be the whole file, so no row is missing or read twice.
  RowMatrix assembled = RowMatrix::Zero(rows, info.features);
  Eigen::VectorXi labels = Eigen::VectorXi::Zero(rows);
  assembled.middleRows(range.first, range.count) = shard.x;
  labels.segment(range.first, range.count) = shard.classes;
  world.allreduce(std::span<float>(assembled.data(), static_cast<std::size_t>(assembled.size())));
  world.allreduce(std::span<std::int32_t>(labels.data(), static_cast<std::size_t>(labels.size())));
  const auto whole = read_shard(info, {0, rows});
  EXPECT_EQ(assembled, whole.x);
  EXPECT_EQ(labels, whole.classes);
  world.barrier();
  if (world.rank() == 0) std::filesystem::remove(path);
}

TEST(Batcher, GlobalOrderTakesTheSameStepsAndBatchesOnAnyRankCount) {
  const auto world = comm::Communicator::world();
  const std::int64_t rows = 1009, batch = 50;
  const auto range = balanced_range(rows, world.size(), world.rank());
  Batcher batcher(rows, range, batch, 11, BatchOrder::kGlobal, world.rank());
  const auto steps = batcher.steps_per_epoch();
  EXPECT_EQ(world.allreduce(steps, comm::ReduceOp::kMin),
            world.allreduce(steps, comm::ReduceOp::kMax));

  std::vector<std::int32_t> uses(rows, 0);
  std::vector<std::int64_t> step_rows;
  batcher.begin_epoch(2);
  for (std::int64_t s = 0; s < steps; ++s) {
    batcher.local_rows(s, step_rows);
    const auto global_batch =
        world.allreduce(static_cast<std::int64_t>(step_rows.size()), comm::ReduceOp::kSum);
    EXPECT_EQ(global_batch, std::min(batch, rows - s * batch)) << "step " << s;
    for (auto r : step_rows) ++uses[static_cast<std::size_t>(range.first + r)];
  }
  world.allreduce(std::span<std::int32_t>(uses));
  for (std::int64_t r = 0; r < rows; ++r) ASSERT_EQ(uses[r], 1) << "row " << r;
}

TEST(Batcher, LocalOrderGivesEveryRankAnEvenShareOfEveryStep) {
  const auto world = comm::Communicator::world();
  const std::int64_t rows = 1009, batch = 50;
  const auto range = balanced_range(rows, world.size(), world.rank());
  Batcher batcher(rows, range, batch, 11, BatchOrder::kLocal, world.rank());
  std::vector<std::int32_t> uses(rows, 0);
  std::vector<std::int64_t> step_rows;
  batcher.begin_epoch(2);
  for (std::int64_t s = 0; s < batcher.steps_per_epoch(); ++s) {
    batcher.local_rows(s, step_rows);
    const auto n = static_cast<std::int64_t>(step_rows.size());
    EXPECT_LE(world.allreduce(n, comm::ReduceOp::kMax) - world.allreduce(n, comm::ReduceOp::kMin),
              1)
        << "step " << s << ": shares differ by more than one row";
    EXPECT_LE(world.allreduce(n, comm::ReduceOp::kSum), batch);
    for (auto r : step_rows) ++uses[static_cast<std::size_t>(range.first + r)];
  }
  world.allreduce(std::span<std::int32_t>(uses));
  for (std::int64_t r = 0; r < rows; ++r) ASSERT_EQ(uses[r], 1) << "row " << r;
}

}  // namespace
}  // namespace psml::data
