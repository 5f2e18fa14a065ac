#include "psml/data/csv_reader.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "psml/core/error.hpp"
#include "psml/data/csv_records.hpp"

namespace psml::data {
namespace {

CsvData parse(const std::string& text, CsvOptions options = {}) {
  std::istringstream in(text);
  return parse_csv(in, "f.csv", options);
}

// The error contains `fragment` (and, unless it is about an option, names the file first).
void expect_error(const std::string& text, const std::string& fragment, CsvOptions options = {}) {
  try {
    parse(text, options);
    FAIL() << "expected an error containing '" << fragment << "'";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(fragment), std::string::npos) << what;
    EXPECT_TRUE(what.rfind("f.csv", 0) == 0 || what.rfind("--", 0) == 0) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << "one line: " << what;
  }
}

std::vector<std::string> records(const std::string& text, char delimiter = ',') {
  std::istringstream in(text);
  CsvRecords reader(in, "f.csv", delimiter);
  std::vector<std::string_view> fields;
  std::vector<std::string> out;
  while (reader.next(fields)) {
    std::string joined;
    for (const auto f : fields) joined.append("[").append(f).append("]");
    out.push_back(joined);
  }
  return out;
}

TEST(CsvRecords, QuotesAsRfc4180AndPandasWriteThem) {
  EXPECT_EQ(records("\"a,b\",\"say \"\"hi\"\"\", 3 ,\"\"\n"),
            (std::vector<std::string>{"[a,b][say \"hi\"][3][]"}));
  EXPECT_EQ(records("\"two\nlines\",1\r\n2,3\r\n"),
            (std::vector<std::string>{"[two\nlines][1]", "[2][3]"}));
  EXPECT_EQ(records("\xEF\xBB\xBF"
                    "label,x\n\n  \n1,2,\n"),
            (std::vector<std::string>{"[label][x]", "[1][2][]"}))
      << "a byte-order mark and blank lines dropped, a trailing empty field kept";
  EXPECT_EQ(records("a b\t\"c\"\n", '\t'), (std::vector<std::string>{"[a b][c]"}));
  EXPECT_EQ(records("ab\"c,d\n"), (std::vector<std::string>{"[ab\"c][d]"}))
      << "a quote inside an unquoted field is text, as Python's csv reads it";
}

TEST(CsvRecords, GuessesTabsAndRefusesBrokenQuotes) {
  EXPECT_EQ(guess_delimiter("a\tb\tc"), '\t');
  EXPECT_EQ(guess_delimiter("a,b\tc"), ',');
  EXPECT_EQ(guess_delimiter("\"a,b\"\tc"), '\t') << "commas inside quotes do not count";
  EXPECT_EQ(records("x\ty\n1\t2\n", 0), (std::vector<std::string>{"[x][y]", "[1][2]"}));
  EXPECT_THROW(records("1,\"2\n3,4\n"), Error);
  try {
    records("1,2\n\"a\"b,3\n");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "f.csv:2: 'b' follows a closing quote (a quote inside a quoted field is written "
                 "twice)");
  }
}

TEST(CsvReader, ReadsLabelFirstWithAHeader) {
  const auto d = parse("label,a,b\n2,1.5,-2\n\n0, +3 ,4e-1\r\n");
  EXPECT_EQ(d.rows, 2);
  EXPECT_EQ(d.features, 2);
  EXPECT_EQ(d.x, (std::vector<float>{1.5f, -2.0f, 3.0f, 0.4f}));
  EXPECT_EQ(d.classes, (std::vector<std::int32_t>{2, 0}));
  EXPECT_EQ(d.num_classes, 3);
  EXPECT_EQ(d.notes,
            (std::vector<std::string>{"header skipped", "label: column 0 (label), by its name"}));
}

TEST(CsvReader, LabelColumnHeaderDelimiterAndTask) {
  CsvOptions o;
  o.label_column = "last";
  o.header = CsvOptions::Header::kNo;
  const auto last = parse("1,2,1\n3,4,0\n", o);
  EXPECT_EQ(last.x, (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(last.classes, (std::vector<std::int32_t>{1, 0}));
  EXPECT_EQ(last.num_classes, 2) << "at least two classes";
  EXPECT_EQ(last.notes, (std::vector<std::string>{"no header", "label: column 2"}));

  o.label_column = "2";  // the header's name "2", which wins over the number: column 1
  o.delimiter = ';';
  o.task = Task::kRegression;
  o.header = CsvOptions::Header::kYes;
  const auto mid = parse("1;2;3\n5;0.25;6\n", o);  // kYes skips even an all-numeric first line
  EXPECT_EQ(mid.rows, 1);
  EXPECT_EQ(mid.x, (std::vector<float>{5, 6}));
  EXPECT_EQ(mid.targets, (std::vector<float>{0.25f}));
  EXPECT_TRUE(mid.classes.empty());
  EXPECT_EQ(mid.notes.front(), "delimiter ';'");

  EXPECT_EQ(parse("1.0,7\n").classes, (std::vector<std::int32_t>{1})) << "1.0 is class 1";
  const auto no_header = parse("3,1,2\n4,5,6\n");
  EXPECT_EQ(no_header.rows, 2) << "an all-numeric first line is a row";
  EXPECT_EQ(no_header.notes, (std::vector<std::string>{"no header",
                                                       "label: column 0, the first (--label-column "
                                                       "picks another)"}));
}

// df.to_csv("p.csv"): the index first under an empty name, the label last.
TEST(CsvReader, DropsPandasIndexAndFindsTheLabelByName) {
  const auto d = parse(",a,b,label\n0,1.5,2,1\n1,3,4,0\n2,5,6,1\n");
  EXPECT_EQ(d.rows, 3);
  EXPECT_EQ(d.x, (std::vector<float>{1.5f, 2, 3, 4, 5, 6}));
  EXPECT_EQ(d.classes, (std::vector<std::int32_t>{1, 0, 1}));
  EXPECT_EQ(d.label_column, 3);
  EXPECT_EQ(d.dropped_columns, (std::vector<std::int64_t>{0}));
  EXPECT_EQ(d.notes, (std::vector<std::string>{"header skipped",
                                               "column 0 (no name: pandas' index, 0..2) dropped",
                                               "label: column 3 (label), by its name"}));
  // Any index values (dates, text) are left unread; "Target" matches in any case.
  const auto dated = parse(",x,Target\n2024-01-01,1,0\n2024-01-02,2,1\n");
  EXPECT_EQ(dated.x, (std::vector<float>{1, 2}));
  EXPECT_EQ(dated.notes[1], "column 0 (no name: pandas' index) dropped");
  // Without a label-like name, the first column after the index.
  EXPECT_EQ(parse(",p,q\n0,1,2\n1,0,3\n").label_column, 1);
  // A named index, or pandas' index read back and written again, is a feature, and said to be.
  const auto again = parse(",Unnamed: 0,a,label\n0,0,1.5,1\n1,1,2,0\n");
  EXPECT_EQ(again.features, 2);
  EXPECT_EQ(again.notes.back(),
            "warning: column 1 (Unnamed: 0) is read as a feature: an index? (--drop-columns 1 "
            "leaves it out)");
}

// to_csv(index=False) of a frame with unnamed columns writes the header 0,1,...,k-1.
TEST(CsvReader, PandasNumericHeader) {
  CsvOptions o;
  o.label_column = "last";
  const auto d = parse("0,1,2\n0.5,1,1\n2,3,0\n", o);
  EXPECT_EQ(d.rows, 2);
  EXPECT_EQ(d.classes, (std::vector<std::int32_t>{1, 0}));
  EXPECT_EQ(d.notes.front(), "header 0..2 (pandas column names) skipped");
  // With the index: ",0,1,2"; "2" names pandas' column 2, which is the file's column 3.
  o.label_column = "2";
  const auto indexed = parse(",0,1,2\n0,0.5,1,1\n1,2,3,0\n", o);
  EXPECT_EQ(indexed.label_column, 3);
  EXPECT_EQ(indexed.x, (std::vector<float>{0.5f, 1, 2, 3}));
  EXPECT_EQ(indexed.notes.front(), "header 0..2 (pandas column names) skipped");
  o.header = CsvOptions::Header::kNo;
  o.label_column = "0";
  EXPECT_EQ(parse("0,1,2\n1,3,4\n", o).rows, 2) << "--header no reads it as a row";
}

TEST(CsvReader, QuotedNumbersTabsAndBools) {
  CsvOptions o;
  o.label_column = "y";
  const auto d = parse("\"\",\"a, first\",\"y\"\n\"0\",\"1.5\",\"1\"\n\"1\",\"-2\",\"0\"\n", o);
  EXPECT_EQ(d.x, (std::vector<float>{1.5f, -2}));
  EXPECT_EQ(d.classes, (std::vector<std::int32_t>{1, 0}));
  EXPECT_EQ(d.notes.back(), "label: column 2 (y)");
  const auto tsv = parse("x\tflag\tlabel\n1\tTrue\t1\n2\tFalse\t0\n");
  EXPECT_EQ(tsv.x, (std::vector<float>{1, 1, 2, 0}));
  EXPECT_EQ(tsv.notes.front(), "tab-separated");
}

TEST(CsvReader, DropColumnsByNameOrNumber) {
  CsvOptions o;
  o.drop_columns = {"id", "3"};
  const auto d = parse("id,label,a,b,c\n7,1,1,2,3\n8,0,4,5,6\n", o);
  EXPECT_EQ(d.x, (std::vector<float>{1, 3, 4, 6}));
  EXPECT_EQ(d.dropped_columns, (std::vector<std::int64_t>{0, 3}));
  EXPECT_EQ(d.notes[1], "columns 0 (id), 3 (b) dropped");
  o.drop_columns = {"first"};  // after pandas' index
  EXPECT_EQ(parse(",a,b,label\n0,1,2,1\n1,3,4,0\n", o).x, (std::vector<float>{2, 4}));
  o.drop_columns = {"label"};
  o.label_column = "1";
  expect_error("id,label,a\n1,0,1\n", "--drop-columns: column 1 (label) is the label column", o);
  o.label_column.clear();
  o.drop_columns = {"nope"};
  expect_error("id,label,a\n1,0,1\n",
               "--drop-columns: f.csv has no column 'nope' (its header: id, label, a;", o);
  o.drop_columns = {"a"};
  expect_error("label,a\n1,2\n", "f.csv: no feature column is left", o);
}

TEST(CsvReader, LabelColumnByNameNumberAndAmbiguity) {
  CsvOptions o;
  o.label_column = "species";
  EXPECT_EQ(parse("w,species\n1,2\n", o).label_column, 1);
  o.label_column = "7";
  expect_error("a,b\n1,2\n", "--label-column: column 7 is outside f.csv's 2 columns (0..1)", o);
  o.label_column = "kind";
  expect_error("1,2\n", "--label-column: 'kind' is not a 0-based column number, first or last", o);
  EXPECT_EQ(parse("x,y,label\n1,1,2\n").label_column, 2) << "label before the coordinate y";
  EXPECT_EQ(parse("x,y\n1,1\n").label_column, 1);
  expect_error("Label,x,label\n1,1,2\n",
               "f.csv: column 0 (Label) and column 2 (label) could each be the label: say which "
               "with --label-column");
  o.label_column = "a";
  expect_error("a,a,b\n1,2,3\n", "several columns named 'a' (0 and 1)", o);
}

TEST(CsvReader, BadLinesNameTheLineColumnAndProblem) {
  expect_error("", "holds no rows (the file is empty)");
  expect_error("a,b,c\n\n", "holds no rows");
  expect_error("0,1,2\n1,2\n", "f.csv:2: has 2 columns, the first line has 3");
  expect_error("0,1,2\n1,2,3,4\n", "f.csv:2: has 4 columns");
  expect_error("label,x\n0,1\n1,abc\n", "f.csv:3: column 1 (x): 'abc' is not a number");
  expect_error("0,1\n1,\n", "f.csv:2: column 1 is empty, a missing value");
  expect_error("label,x\n0,1\n1,NaN\n", "f.csv:3: column 1 (x) is 'NaN', a missing value");
  expect_error("label,x\n0,NA\n", "f.csv:2: column 1 (x) is 'NA', a missing value");
  expect_error("0,1\n1,-inf\n", "f.csv:2: column 1: '-inf' is not finite");
  expect_error("0,1\n1,1e39\n", "'1e39' is not finite as float32");
  expect_error("0,1\n0.5,1\n", "f.csv:2: label '0.5' is not an integer class id");
  expect_error("0,1\n-1,1\n", "f.csv:2: class id -1 is negative");
  expect_error("0,1\n3e9,1\n", "class id 3e9 is negative or too large");
  expect_error("1\n2\n",
               "f.csv:1: has 1 column; a row needs the label and at least one feature "
               "(the delimiter is ',': --delimiter says another)");
  CsvOptions species;
  species.label_column = "species";
  expect_error("sepal,species\n1.5,setosa\n",
               "f.csv:2: column 1 (species), the label: 'setosa' is not a number; text labels are "
               "not supported yet",
               species);
  CsvOptions no_header;
  no_header.header = CsvOptions::Header::kNo;
  expect_error("label,x\n0,1\n", "f.csv:1: column 0, the label: 'label' is not a number",
               no_header);
}

TEST(CsvReader, WarnsWhenTheLabelIsTheRowNumber) {
  std::string text;
  for (int i = 0; i < 12; ++i) text += std::to_string(i) + ",0.5\n";
  EXPECT_EQ(parse(text).notes.back(),
            "warning: the label is 0..11 in row order, one class per row: an index, not a label?");
}

TEST(CsvReader, ParsesHeaderOption) {
  EXPECT_EQ(parse_csv_header("yes"), CsvOptions::Header::kYes);
  EXPECT_EQ(parse_csv_header("auto"), CsvOptions::Header::kAuto);
  EXPECT_THROW(parse_csv_header("maybe"), Error);
}

}  // namespace
}  // namespace psml::data
