// How labels become class ids (data/label_mapping.hpp) on files written here with the HDF5 C API
// in the forms h5py writes: integers, floats, h5py's bool enum, variable and fixed strings.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>

#include "psml/core/error.hpp"
#include "psml/data/h5.hpp"
#include "psml/data/label_mapping.hpp"
#include "psml/data/labels.hpp"
#include "psml/data/schema.hpp"
#include "test_files.hpp"

namespace psml::data {
namespace {

using testing::error_of;

std::string temp_path(const std::string& name) {
  return testing::temp_path("labels_" + name);
}

// A file of `rows` rows of one feature, /X (the row number), and /y as `write_labels` writes it.
std::string write_file(const std::string& name, hsize_t rows,
                       const std::function<void(hid_t file, hid_t space)>& write_labels,
                       std::optional<std::int64_t> num_classes = std::nullopt) {
  const auto path = temp_path(name);
  const auto file = h5::File::create(path);
  std::vector<float> x(rows);
  for (hsize_t i = 0; i < rows; ++i) x[i] = static_cast<float>(i);
  file.create_dataset<float>("X", {rows, 1}, {}, 0).write_rows<float>(0, rows, x);
  const h5::Handle space(H5Screate_simple(1, &rows, nullptr), H5Sclose);
  write_labels(file.id(), space.id());
  if (num_classes) file.set_attribute(kNumClassesAttribute, *num_classes);
  return path;
}

template <class T>
std::string numbers_file(const std::string& name, const std::vector<T>& labels,
                         std::optional<std::int64_t> num_classes = std::nullopt) {
  return write_file(
      name, labels.size(),
      [&](hid_t file, hid_t space) {
        const h5::Handle d(H5Dcreate2(file, "y", h5::native_type<T>(), space, H5P_DEFAULT,
                                      H5P_DEFAULT, H5P_DEFAULT),
                           H5Dclose);
        H5Dwrite(d.id(), h5::native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, labels.data());
      },
      num_classes);
}

DescribeOptions xy() {
  DescribeOptions o;
  o.names = {"X", "/y"};
  return o;
}
const DescribeOptions kXy = xy();

std::vector<std::int32_t> classes_of(const DatasetInfo& info) {
  const auto file = h5::File::open_read(info.path);
  Eigen::VectorXi classes;
  Eigen::VectorXf targets;
  read_labels(info, file.dataset(info.names.labels), {0, info.rows}, classes, targets);
  return {classes.data(), classes.data() + classes.size()};
}

TEST(LabelMapping, IdsFromZeroStayIdsAndEmptyClassesAreWarnedOf) {
  const auto info = describe_dataset(numbers_file<std::int64_t>("ids.h5", {0, 3, 3, 0}), kXy);
  EXPECT_EQ(info.num_classes, 4);
  EXPECT_TRUE(info.class_names.empty());
  ASSERT_EQ(info.notes.size(), 1u);
  EXPECT_EQ(info.notes[0], "warning: " + info.path +
                               ": classes 1, 2 of 4 have no rows (a model "
                               "still gives them outputs)");
  EXPECT_EQ(classes_of(info), (std::vector<std::int32_t>{0, 3, 3, 0}));
}

TEST(LabelMapping, MinusOnePlusOneAndOneToKAreNumberedInOrder) {
  const auto pm = describe_dataset(numbers_file<std::int32_t>("pm.h5", {1, -1, -1, 1}), kXy);
  EXPECT_EQ(pm.num_classes, 2);
  EXPECT_EQ(pm.class_names, (std::vector<std::string>{"-1", "1"}));
  EXPECT_EQ(pm.notes.at(0), pm.path + ": labels -1, 1 read as classes 0, 1");
  EXPECT_EQ(classes_of(pm), (std::vector<std::int32_t>{1, 0, 0, 1}));
  const auto one_to_k = describe_dataset(numbers_file<std::int64_t>("1k.h5", {3, 1, 2}), kXy);
  EXPECT_EQ(one_to_k.class_names, (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(classes_of(one_to_k), (std::vector<std::int32_t>{2, 0, 1}));
}

TEST(LabelMapping, TheNumClassesAttributeKeepsIdsAndNamesItsEmptyClasses) {
  const auto info =
      describe_dataset(numbers_file<std::int64_t>("declared.h5", {0, 1, 1, 0}, 3), kXy);
  EXPECT_EQ(info.num_classes, 3);
  EXPECT_TRUE(info.class_names.empty());
  EXPECT_EQ(info.notes.at(0), "warning: " + info.path +
                                  ": class 2 of 3 has no rows (a model still gives them outputs)");
  const auto many = describe_dataset(numbers_file<std::int64_t>("many.h5", {0, 1}, 100), kXy);
  EXPECT_EQ(many.notes.at(0), "warning: " + many.path +
                                  ": classes 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 and 86 more of "
                                  "100 have no rows (a model still gives them outputs)");
  const auto bad = numbers_file<std::int64_t>("declared_bad.h5", {0, 1, -1, 0}, 3);
  EXPECT_EQ(error_of([&] { describe_dataset(bad, kXy); }),
            bad + ":/y: row 2 has class id -1, outside [0, 3)");
}

TEST(LabelMapping, WholeFloatsAreClassesForAClassifierAndValuesOtherwise) {
  const auto path = numbers_file<double>("floats.h5", {0.0, 2.0, 1.0, 1.0});
  auto options = kXy;
  EXPECT_EQ(describe_dataset(path, options).task, Task::kRegression);
  options.task = Task::kClassification;
  const auto info = describe_dataset(path, options);
  EXPECT_EQ(info.task, Task::kClassification);
  EXPECT_EQ(info.num_classes, 3);
  EXPECT_EQ(info.notes.at(0), path + ": float labels 0, 1, 2 read as classes 0, 1, 2");
  EXPECT_EQ(classes_of(info), (std::vector<std::int32_t>{0, 2, 1, 1}));
  const auto fraction = numbers_file<double>("fraction.h5", {0.0, 2.5});
  EXPECT_EQ(error_of([&] { describe_dataset(fraction, options); }),
            fraction +
                ":/y: row 1 has label 2.5, not a class: a classifier needs whole-number or string "
                "labels (a file of measured values is a regression set)");
}

TEST(LabelMapping, H5pyBoolIsFalseTrue) {
  const std::vector<std::int8_t> values{1, 0, 1};
  const auto path = write_file("bool.h5", values.size(), [&](hid_t file, hid_t space) {
    // h5py's numpy bool: an enum of int8 with FALSE = 0 and TRUE = 1.
    const h5::Handle type(H5Tenum_create(H5T_NATIVE_INT8), H5Tclose);
    const std::int8_t f = 0, t = 1;
    H5Tenum_insert(type.id(), "FALSE", &f);
    H5Tenum_insert(type.id(), "TRUE", &t);
    const h5::Handle d(
        H5Dcreate2(file, "y", type.id(), space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
    H5Dwrite(d.id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  });
  const auto info = describe_dataset(path, kXy);
  EXPECT_EQ(info.labels_dtype, "bool");
  EXPECT_EQ(info.class_names, (std::vector<std::string>{"False", "True"}));
  EXPECT_EQ(classes_of(info), (std::vector<std::int32_t>{1, 0, 1}));
}

TEST(LabelMapping, VariableAndFixedStringsAreNumberedInSortedOrder) {
  const std::vector<const char*> texts{"dog", "cat", "fish", "cat"};
  const auto vlen = write_file("vlen.h5", texts.size(), [&](hid_t file, hid_t space) {
    const h5::Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.id(), H5T_VARIABLE);
    H5Tset_cset(type.id(), H5T_CSET_UTF8);
    const h5::Handle d(
        H5Dcreate2(file, "y", type.id(), space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
    H5Dwrite(d.id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, texts.data());
  });
  const auto fixed = write_file("fixed.h5", texts.size(), [&](hid_t file, hid_t space) {
    // numpy's 'S4': NULLPAD, no terminator when the text fills the size.
    const h5::Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.id(), 4);
    H5Tset_strpad(type.id(), H5T_STR_NULLPAD);
    const char bytes[] = "dog\0cat\0fishcat\0";
    const h5::Handle d(
        H5Dcreate2(file, "y", type.id(), space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
    H5Dwrite(d.id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes);
  });
  for (const auto& path : {vlen, fixed}) {
    const auto info = describe_dataset(path, kXy);
    EXPECT_EQ(info.task, Task::kClassification);
    EXPECT_EQ(info.class_names, (std::vector<std::string>{"cat", "dog", "fish"}));
    EXPECT_EQ(info.notes.at(0), path + ": labels 'cat', 'dog', 'fish' read as classes 0, 1, 2");
    EXPECT_EQ(classes_of(info), (std::vector<std::int32_t>{1, 0, 2, 0}));
  }
}

TEST(LabelMapping, AnotherFilesLabelsAreReadOntoTheModelsClasses) {
  const auto path = numbers_file<std::int32_t>("eval.h5", {1, -1});
  auto options = kXy;
  options.classes = KnownClasses{3, {"-1", "0", "1"}};
  const auto info = describe_dataset(path, options);
  EXPECT_TRUE(info.notes.empty());
  EXPECT_EQ(info.num_classes, 3);
  EXPECT_EQ(classes_of(info), (std::vector<std::int32_t>{2, 0}));
  options.classes = KnownClasses{2, {"cat", "dog"}};
  const auto other = describe_dataset(path, options);
  EXPECT_EQ(error_of([&] { classes_of(other); }),
            path + ":/y: row 0 has label 1, not one of the classes the model knows ('cat', 'dog')");
}

TEST(LabelMapping, AMissingDatasetErrorListsWhatTheFileHolds) {
  const auto path = numbers_file<std::int64_t>("named.h5", {0, 1});
  EXPECT_EQ(error_of([&] { describe_dataset(path); }),
            path +
                ": no dataset '/features'; it holds /X (2 x 1, float32), /y (2, int64): name "
                "them with --features-path X --labels-path y");
}

TEST(LabelMapping, LookupDescribesManyClassesShortly) {
  std::vector<std::string> names;
  for (int i = 0; i < 20; ++i) names.push_back(detail::concat("c", i));
  const ClassLookup lookup(names);
  EXPECT_EQ(lookup.id("c7"), 7);
  EXPECT_EQ(lookup.id("c70"), -1);
  EXPECT_EQ(lookup.describe(), "'c0', 'c1', 'c2', 'c3', 'c4', 'c5', ..., 'c17', 'c18', 'c19'");
}

}  // namespace
}  // namespace psml::data
