#include "psml/data/idx_reader.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "psml/core/error.hpp"

namespace psml::data {
namespace {

std::vector<std::uint8_t> header(std::vector<std::uint32_t> dims, std::uint8_t type = 0x08) {
  std::vector<std::uint8_t> out{0, 0, type, static_cast<std::uint8_t>(dims.size())};
  for (auto d : dims)
    for (int shift : {24, 16, 8, 0}) out.push_back(static_cast<std::uint8_t>(d >> shift));
  return out;
}

void expect_error(const std::vector<std::uint8_t>& bytes, const std::string& fragment) {
  try {
    parse_idx(bytes.data(), bytes.size(), "f.idx");
    FAIL() << "expected an error containing '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).rfind("f.idx", 0), 0u) << "names the file: " << e.what();
  }
}

TEST(IdxReader, ParsesDimsAndValues) {
  auto bytes = header({2, 3});
  for (std::uint8_t v = 1; v <= 6; ++v) bytes.push_back(v);
  const auto a = parse_idx(bytes.data(), bytes.size(), "f.idx");
  EXPECT_EQ(a.dims, (std::vector<std::uint32_t>{2, 3}));
  EXPECT_EQ(a.values, (std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6}));
}

TEST(IdxReader, RejectsBadInput) {
  expect_error({0, 0}, "too short");
  expect_error({1, 0, 8, 1, 0, 0, 0, 0}, "magic");
  expect_error(header({1}, 0x0D), "not supported");
  expect_error({0, 0, 8, 0}, "0 dimensions");
  expect_error({0, 0, 8, 3, 0, 0}, "truncated IDX header");
  auto short_body = header({2, 3});
  short_body.push_back(1);
  expect_error(short_body, "declares 6 values but the file holds 1");
  // A lying header: 4 billion squared values declared, a few bytes present; no huge allocation.
  auto lying = header({0xFFFFFFFF, 0xFFFFFFFF});
  lying.push_back(1);
  expect_error(lying, "declares");
}

// Regression: the saturating size multiplied before clamping, so 2^31 x 2^31 x 4 wrapped to 0
// and a header with no body parsed as an empty array of absurd dimensions.
TEST(IdxReader, SizesWhoseProductWrapsAroundAreRefused) {
  expect_error(header({0x80000000, 0x80000000, 4}), "declares 4611686018427387904 values");
  expect_error(header({0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}), "declares");
  EXPECT_TRUE(parse_idx(header({0x80000000, 0x80000000, 0}).data(), 16, "f.idx").values.empty())
      << "a zero dimension really is empty";
}

}  // namespace
}  // namespace psml::data
