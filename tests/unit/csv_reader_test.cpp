#include "psml/data/csv_reader.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "psml/core/error.hpp"

namespace psml::data {
namespace {

CsvData parse(const std::string& text, CsvOptions options = {}) {
  std::istringstream in(text);
  return parse_csv(in, "f.csv", options);
}

// The error names the file and line and contains `fragment`.
void expect_error(const std::string& text, const std::string& fragment, CsvOptions options = {}) {
  try {
    parse(text, options);
    FAIL() << "expected an error containing '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).rfind("f.csv", 0), 0u) << "names the file: " << e.what();
  }
}

TEST(CsvReader, ReadsLabelFirstWithAHeader) {
  const auto d = parse("label,a,b\n2,1.5,-2\n\n0, +3 ,4e-1\r\n");
  EXPECT_EQ(d.rows, 2);
  EXPECT_EQ(d.features, 2);
  EXPECT_EQ(d.x, (std::vector<float>{1.5f, -2.0f, 3.0f, 0.4f}));
  EXPECT_EQ(d.classes, (std::vector<std::int32_t>{2, 0}));
  EXPECT_EQ(d.num_classes, 3);
}

TEST(CsvReader, LabelColumnHeaderDelimiterAndTask) {
  CsvOptions o;
  o.label_column = -1;
  o.header = CsvOptions::Header::kNo;
  const auto last = parse("1,2,1\n3,4,0\n", o);
  EXPECT_EQ(last.x, (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(last.classes, (std::vector<std::int32_t>{1, 0}));
  EXPECT_EQ(last.num_classes, 2) << "at least two classes";

  o.label_column = 1;
  o.delimiter = ';';
  o.task = Task::kRegression;
  o.header = CsvOptions::Header::kYes;
  const auto mid = parse("1;2;3\n5;0.25;6\n", o);  // kYes skips even an all-numeric first line
  EXPECT_EQ(mid.rows, 1);
  EXPECT_EQ(mid.x, (std::vector<float>{5, 6}));
  EXPECT_EQ(mid.targets, (std::vector<float>{0.25f}));
  EXPECT_TRUE(mid.classes.empty());

  EXPECT_EQ(parse("1.0,7\n").classes, (std::vector<std::int32_t>{1})) << "1.0 is class 1";
}

TEST(CsvReader, BadLinesNameTheLineAndTheProblem) {
  expect_error("", "holds no rows (the file is empty)");
  expect_error("a,b,c\n\n", "holds no rows");
  expect_error("0,1,2\n1,2\n", "f.csv:2: has 2 columns, the first line has 3");
  expect_error("0,1,2\n1,2,3,4\n", "f.csv:2: has 4 columns");
  expect_error("label,x\n0,1\n1,abc\n", "f.csv:3: column 2 'abc' is not a number");
  expect_error("0,1\n1,\n", "f.csv:2: column 2 is empty");
  expect_error("0,1\n1,nan\n", "f.csv:2: column 2 'nan' is not finite");
  expect_error("0,1\n1,-inf\n", "f.csv:2: column 2 '-inf' is not finite");
  expect_error("0,1\n1,1e39\n", "'1e39' is not finite as float32");
  expect_error("0,1\n0.5,1\n", "f.csv:2: label '0.5' is not an integer class id");
  expect_error("0,1\n-1,1\n", "f.csv:2: class id -1 is negative");
  expect_error("0,1\n3e9,1\n", "class id 3e9 is negative or too large");
  expect_error("1\n2\n", "f.csv:1: has 1 column");
  CsvOptions far;
  far.label_column = 5;
  expect_error("0,1\n", "f.csv:1: label column 5 is outside the 2 columns", far);
  CsvOptions no_header;
  no_header.header = CsvOptions::Header::kNo;
  expect_error("label,x\n0,1\n", "f.csv:1: column 1 'label' is not a number", no_header);
}

TEST(CsvReader, ParsesHeaderOption) {
  EXPECT_EQ(parse_csv_header("yes"), CsvOptions::Header::kYes);
  EXPECT_EQ(parse_csv_header("auto"), CsvOptions::Header::kAuto);
  EXPECT_THROW(parse_csv_header("maybe"), Error);
}

}  // namespace
}  // namespace psml::data
