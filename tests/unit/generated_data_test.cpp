#include "psml/data/generated.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "psml/core/error.hpp"
#include "psml/data/csr.hpp"
#include "psml/data/schema.hpp"
#include "psml/data/shard_reader.hpp"

namespace psml::data {
namespace {

TEST(GeneratedData, PathsNameTheirShape) {
  EXPECT_FALSE(parse_generated("train.h5"));
  const auto dense = parse_generated("synthetic:rows=100,features=7,classes=3");
  ASSERT_TRUE(dense);
  EXPECT_EQ(dense->rows, 100);
  EXPECT_EQ(dense->features, 7);
  EXPECT_EQ(dense->classes, 3);
  EXPECT_FALSE(dense->sparse());
  const auto info = describe_dataset("synthetic:rows=50,features=1000,nnz=5,seed=9");
  EXPECT_TRUE(info.sparse);
  EXPECT_EQ(info.rows, 50);
  EXPECT_EQ(info.features, 1000);
  EXPECT_EQ(info.num_classes, 2);
  EXPECT_EQ(info.nnz, 250);
}

TEST(GeneratedData, BadSpecsAreOneLineNamingThePathAndTheProblem) {
  const auto message = [](const std::string& path) {
    try {
      parse_generated(path);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("synthetic:rows=10").find("needs features=N"), std::string::npos);
  EXPECT_NE(message("synthetic:rows=10,features=3,colour=2").find("unknown key 'colour'"),
            std::string::npos);
  EXPECT_NE(message("synthetic:rows=ten,features=3").find("rows=ten is not"), std::string::npos);
  EXPECT_NE(message("synthetic:rows=10,features=3,nnz=4").find("between 1 and features=3"),
            std::string::npos);
  EXPECT_NE(message("synthetic:rows=10,features=3,classes=1").find("at least 2"),
            std::string::npos);
  EXPECT_NE(message("synthetic:rows=10,features=30,nnz=3,classes=4").find("binary"),
            std::string::npos);
  EXPECT_EQ(message("synthetic:rows=10,features=3,classes=2"), "no error");
}

// A worker generates only its rows; any split of the rows gives the same data set. An odd number
// of features (and of centre values) would carry a normal distribution's spare draw from one row
// into the next, were it shared.
TEST(GeneratedData, AnySplitGivesTheSameRows) {
  const auto info = describe_dataset("synthetic:rows=90,features=13,classes=3");
  const auto whole = read_shard(info, {0, 90});
  ASSERT_EQ(whole.x.rows(), 90);
  std::int64_t first = 0;
  for (const std::int64_t count : {31, 1, 58}) {
    const auto part = read_shard(info, {first, count});
    EXPECT_TRUE(part.x == whole.x.middleRows(first, count)) << "rows from " << first;
    EXPECT_TRUE(part.classes == whole.classes.segment(first, count));
    first += count;
  }
  EXPECT_GE(whole.classes.minCoeff(), 0);
  EXPECT_LT(whole.classes.maxCoeff(), 3);
  const auto other =
      read_shard(describe_dataset("synthetic:rows=90,features=13,classes=3,seed=2"), {0, 90});
  EXPECT_FALSE(other.x == whole.x) << "another seed, other rows";
}

TEST(GeneratedData, SparseRowsHaveDistinctSortedColumnsAndAnySplitAgrees) {
  const auto info = describe_dataset("synthetic:rows=40,features=100000,nnz=21");
  const auto whole = read_sparse_shard(info, {0, 40});
  ASSERT_EQ(whole.x.rows(), 40);
  for (std::int64_t r = 0; r < 40; ++r) {
    const auto columns = whole.x.columns(r);
    ASSERT_FALSE(columns.empty());
    EXPECT_LE(columns.size(), 21u);
    for (std::size_t i = 1; i < columns.size(); ++i) EXPECT_LT(columns[i - 1], columns[i]);
    EXPECT_LT(columns.back(), 100000);
  }
  const auto tail = read_sparse_shard(info, {25, 15});
  for (std::int64_t r = 0; r < 15; ++r) {
    const auto a = tail.x.columns(r), b = whole.x.columns(25 + r);
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end())) << "row " << 25 + r;
    const auto u = tail.x.row_values(r), v = whole.x.row_values(25 + r);
    EXPECT_TRUE(std::equal(u.begin(), u.end(), v.begin(), v.end())) << "row " << 25 + r;
    EXPECT_EQ(tail.classes[r], whole.classes[25 + r]);
  }
}

}  // namespace
}  // namespace psml::data
