#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "psml/core/error.hpp"
#include "psml/data/dataset_writer.hpp"
#include "psml/data/h5.hpp"
#include "psml/data/shard_reader.hpp"
#include "psml/data/synthetic.hpp"
#include "test_files.hpp"

namespace psml::data {
namespace {

using testing::error_of;
using testing::temp_path;

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

// A scalar fixed-length string attribute holding exactly `bytes` (its declared size), written
// through the C API so each padding and character set can be made as other writers make it.
void write_fixed_string(const h5::File& file, const char* name, const std::string& bytes,
                        H5T_str_t pad, H5T_cset_t cset = H5T_CSET_ASCII) {
  h5::Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  ASSERT_GE(H5Tset_size(type.id(), bytes.size()), 0);
  ASSERT_GE(H5Tset_strpad(type.id(), pad), 0);
  ASSERT_GE(H5Tset_cset(type.id(), cset), 0);
  h5::Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  h5::Handle attr(H5Acreate2(file.id(), name, type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT),
                  H5Aclose);
  ASSERT_TRUE(attr.valid());
  ASSERT_GE(H5Awrite(attr.id(), type.id(), bytes.data()), 0);
}

// A variable-length string attribute, as h5py writes a Python str: a scalar, or with `count` > 0
// a 1-D array of `count` copies of `text`.
void write_variable_string(const h5::File& file, const char* name, const std::string& text,
                           H5T_cset_t cset = H5T_CSET_UTF8, hsize_t count = 0) {
  h5::Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  ASSERT_GE(H5Tset_size(type.id(), H5T_VARIABLE), 0);
  ASSERT_GE(H5Tset_cset(type.id(), cset), 0);
  h5::Handle space(count == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &count, nullptr),
                   H5Sclose);
  h5::Handle attr(H5Acreate2(file.id(), name, type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT),
                  H5Aclose);
  ASSERT_TRUE(attr.valid());
  const std::vector<const char*> values(std::max<hsize_t>(count, 1), text.c_str());
  ASSERT_GE(H5Awrite(attr.id(), type.id(), values.data()), 0);
}

TEST(StringAttribute, ReadsEveryFixedLengthPadding) {
  const auto path = temp_path("strings_fixed.h5");
  {
    const auto file = h5::File::create(path);
    // np.bytes_("classification"): NULLPAD, no terminator, the text fills its declared size.
    write_fixed_string(file, "nullpad_full", "classification", H5T_STR_NULLPAD);
    write_fixed_string(file, "nullpad_spare", std::string("classification\0\0\0\0\0\0", 20),
                       H5T_STR_NULLPAD);
    write_fixed_string(file, "nullterm_full", "regression", H5T_STR_NULLTERM);
    write_fixed_string(file, "nullterm_junk", std::string("regression\0junk", 15),
                       H5T_STR_NULLTERM);
    write_fixed_string(file, "spacepad_full", "classification", H5T_STR_SPACEPAD);
    write_fixed_string(file, "spacepad_spare", "two words   ", H5T_STR_SPACEPAD);
    write_fixed_string(file, "one_char", "x", H5T_STR_NULLPAD);
  }
  const auto file = h5::File::open_read(path);
  EXPECT_EQ(file.string_attribute("nullpad_full"), "classification");
  EXPECT_EQ(file.string_attribute("nullpad_spare"), "classification");
  EXPECT_EQ(file.string_attribute("nullterm_full"), "regression");
  EXPECT_EQ(file.string_attribute("nullterm_junk"), "regression");
  EXPECT_EQ(file.string_attribute("spacepad_full"), "classification");
  EXPECT_EQ(file.string_attribute("spacepad_spare"), "two words");
  EXPECT_EQ(file.string_attribute("one_char"), "x");
  EXPECT_FALSE(file.string_attribute("absent").has_value());
  std::filesystem::remove(path);
}

TEST(StringAttribute, ReadsUtf8AndVariableLengthStrings) {
  const auto path = temp_path("strings_utf8.h5");
  const std::string text = "na\xc3\xafve \xc3\xbc";  // "naïve ü": ends inside a 2-byte character
  {
    const auto file = h5::File::create(path);
    write_fixed_string(file, "utf8_fixed", text, H5T_STR_NULLPAD, H5T_CSET_UTF8);
    write_fixed_string(file, "utf8_nullterm", text, H5T_STR_NULLTERM, H5T_CSET_UTF8);
    write_variable_string(file, "utf8_variable", text);  // a Python str
    write_variable_string(file, "ascii_variable", "regression", H5T_CSET_ASCII);
    write_variable_string(file, "one_element_array", "classification", H5T_CSET_UTF8, 1);
  }
  const auto file = h5::File::open_read(path);
  EXPECT_EQ(file.string_attribute("utf8_fixed"), text);
  EXPECT_EQ(file.string_attribute("utf8_nullterm"), text);
  EXPECT_EQ(file.string_attribute("utf8_variable"), text);
  EXPECT_EQ(file.string_attribute("ascii_variable"), "regression");
  EXPECT_EQ(file.string_attribute("one_element_array"), "classification");
  std::filesystem::remove(path);
}

TEST(StringAttribute, RefusesArraysOfStrings) {
  // Reading two strings into room for one would write past the buffer.
  const auto path = temp_path("strings_array.h5");
  {
    const auto file = h5::File::create(path);
    write_variable_string(file, "two", "classification", H5T_CSET_UTF8, 2);
    h5::Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.id(), 4);
    const hsize_t count = 2;
    h5::Handle space(H5Screate_simple(1, &count, nullptr), H5Sclose);
    h5::Handle attr(
        H5Acreate2(file.id(), "two_fixed", type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT),
        H5Aclose);
    ASSERT_GE(H5Awrite(attr.id(), type.id(), "abcdefgh"), 0);
  }
  const auto file = h5::File::open_read(path);
  EXPECT_EQ(error_of([&] { file.string_attribute("two"); }),
            path + ": attribute 'two' must be a scalar, holds 2 strings");
  EXPECT_EQ(error_of([&] { file.string_attribute("two_fixed"); }),
            path + ": attribute 'two_fixed' must be a scalar, holds 2 strings");
  std::filesystem::remove(path);
}

// Variable-length UTF-8, as h5py writes a Python str, so that h5py reads psml's attributes as str.
TEST(StringAttribute, PsmlWritesVariableLengthUtf8Strings) {
  const auto path = temp_path("strings_written.h5");
  {
    const auto file = h5::File::create(path);
    file.set_attribute("task", "classification");
    file.set_attribute("empty", "");
    file.set_attribute("utf8", "caf\xc3\xa9");
  }
  const auto file = h5::File::open_read(path);
  for (const auto& [name, text] : {std::pair{"task", "classification"}, std::pair{"empty", ""},
                                   std::pair{"utf8", "caf\xc3\xa9"}}) {
    h5::Handle attr(H5Aopen(file.id(), name, H5P_DEFAULT), H5Aclose);
    h5::Handle type(H5Aget_type(attr.id()), H5Tclose);
    EXPECT_GT(H5Tis_variable_str(type.id()), 0) << name;
    EXPECT_EQ(H5Tget_cset(type.id()), H5T_CSET_UTF8) << name;
    EXPECT_EQ(file.string_attribute(name), text);
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace psml::data
