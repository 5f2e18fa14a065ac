// The compressed gradient exchanges (--compression) as make_gradient_sum picks them: every rank
// ends with the same sum, within the codec's error of the true one (fp16 and int8 summed round a
// ring, top-k gathered); top-k's residuals keep what was not sent, on every rank.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "psml/allreduce/compressed_allreduce.hpp"
#include "psml/allreduce/gradient_sum.hpp"

namespace psml::allreduce {
namespace {

float value(int rank, std::size_t i) {
  return std::sin(static_cast<float>(i) * 0.37f + static_cast<float>(rank)) *
         (1.0f + static_cast<float>(rank));
}

class Compressed : public ::testing::TestWithParam<const char*> {};

TEST_P(Compressed, EveryRankHoldsTheSameSumWithinTheCodecsError) {
  const auto world = comm::Communicator::world();
  const std::size_t n = 5000;
  const auto spec = compress::CompressionSpec::parse(GetParam());
  GradientSumOptions options;
  options.kind = AllreduceKind::kMpi;
  options.compression = spec;
  const auto made = make_gradient_sum(world, n, options);
  auto& exchange = *made;
  auto grad = exchange.gradient();
  for (std::size_t i = 0; i < n; ++i) grad[i] = value(world.rank(), i);
  const auto totals = exchange.reduce(1.5, 10, 1, false);
  EXPECT_EQ(totals.loss_sum, 1.5 * world.size());
  EXPECT_EQ(totals.rows, 10 * world.size());
  EXPECT_EQ(totals.non_finite_ranks, 0);
  // The same on every rank: rank 0's sum, broadcast, compared bit for bit.
  std::vector<float> sum(exchange.sum().begin(), exchange.sum().end()), first = sum;
  world.broadcast(std::span<float>(first), 0);
  EXPECT_EQ(sum, first);
  double largest_error = 0, total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    double truth = 0;
    for (int r = 0; r < world.size(); ++r) truth += value(r, i);
    largest_error = std::max(largest_error, std::abs(sum[i] - truth));
    total += sum[i] != 0.0f ? 1 : 0;
  }
  const double scale = world.size() * (1.0 + world.size());  // bound on |truth|
  // The ring rounds each partial sum once per hop (at most `ranks` times, each within the codec's
  // error of a value at most `scale`).
  const double hops = world.size();
  if (spec.kind == compress::CompressionSpec::Kind::kFp16) {
    EXPECT_LT(largest_error, hops * scale * std::ldexp(1.0, -11));
    EXPECT_DOUBLE_EQ(exchange.bytes_per_step(n, world.size()),
                     2.0 * (world.size() - 1) / world.size() * 2 * n);
  }
  if (spec.kind == compress::CompressionSpec::Kind::kInt8) {
    EXPECT_LT(largest_error, hops * scale / 254.0);
  }
  if (spec.kind == compress::CompressionSpec::Kind::kTopK) {
    EXPECT_LE(total, 0.1 * n * world.size() + 1);  // only what was sent is in the sum
    EXPECT_DOUBLE_EQ(exchange.bytes_per_step(n, world.size()),
                     500.0 * 8 * (world.size() - 1));  // 500 (index, value) pairs per rank
  }
}

INSTANTIATE_TEST_SUITE_P(Codecs, Compressed, ::testing::Values("fp16", "int8", "topk:0.1"));

TEST(Compressed, ANonFiniteGradientIsCountedAndNothingIsSent) {
  const auto world = comm::Communicator::world();
  CompressedAllreduce exchange(world, 100, compress::CompressionSpec::parse("int8"), true);
  auto grad = exchange.gradient();
  std::fill(grad.begin(), grad.end(), 1.0f);
  if (world.rank() == 0) grad[7] = NAN;
  EXPECT_EQ(exchange.reduce(0.0, 1, 1, false).non_finite_ranks, 1);
}

}  // namespace
}  // namespace psml::allreduce
