#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "psml/core/error.hpp"
#include "psml/data/dataset_writer.hpp"
#include "psml/data/shard_reader.hpp"
#include "psml/data/synthetic.hpp"

namespace psml::data {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("psml_unit_" + name)).string();
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(DatasetWriter, WritesWhatShardReaderReadsBack) {
  const auto path = temp_path("roundtrip.h5");
  {
    DatasetWriter w(path, 5, 2, Task::kClassification, 3);
    const std::vector<float> x{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    const std::vector<std::int32_t> y{0, 1, 2, 0, 1};
    w.write_rows(0, std::span(x).first(4), std::span(y).first(2));
    w.write_rows(2, std::span(x).subspan(4), std::span(y).subspan(2));
  }
  const auto info = describe_dataset(path);
  EXPECT_EQ(info.rows, 5);
  EXPECT_EQ(info.features, 2);
  EXPECT_EQ(info.num_classes, 3);
  EXPECT_EQ(info.task, Task::kClassification);
  const auto shard = read_shard(info, {1, 3});
  EXPECT_EQ(shard.x(0, 0), 2.0f);
  EXPECT_EQ(shard.x(2, 1), 7.0f);
  EXPECT_EQ(shard.classes[2], 0);
  std::filesystem::remove(path);
}

TEST(Schema, NamesTheFileAndTheProblem) {
  EXPECT_EQ(error_of([] { describe_dataset("/nonexistent/x.h5"); }),
            "/nonexistent/x.h5: no such file");
  const auto text = temp_path("not_hdf5.h5");
  std::ofstream(text) << "a,b,c\n1,2,3\n";
  EXPECT_EQ(error_of([&] { describe_dataset(text); }), text + ": not an HDF5 file (or damaged)");
  std::filesystem::remove(text);
}

TEST(Synthetic, SameSeedSameFile) {
  SyntheticSpec spec;
  spec.rows = 50;
  spec.features = 3;
  spec.classes = 3;
  const auto a = temp_path("synth_a.h5"), b = temp_path("synth_b.h5");
  write_synthetic(spec, a);
  write_synthetic(spec, b);
  const auto sa = read_shard(describe_dataset(a), {0, 50});
  const auto sb = read_shard(describe_dataset(b), {0, 50});
  EXPECT_EQ(sa.x, sb.x);
  EXPECT_EQ(sa.classes, sb.classes);
  spec.seed = 2;
  write_synthetic(spec, b);
  EXPECT_NE(sa.x, read_shard(describe_dataset(b), {0, 50}).x);
  std::filesystem::remove(a);
  std::filesystem::remove(b);
}

}  // namespace
}  // namespace psml::data
