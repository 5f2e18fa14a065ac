// The gradient codecs of --compression: each round-trips within its stated error, and error
// feedback loses nothing: over any number of steps, what was sent plus the residual is the sum of
// the gradients.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <numeric>
#include <random>
#include <vector>

#include "psml/compress/compression_spec.hpp"
#include "psml/compress/gradient_codec.hpp"
#include "psml/compress/power_sgd.hpp"
#include "psml/compress/quantize.hpp"
#include "psml/compress/top_k.hpp"
#include "psml/core/error.hpp"
#include "psml/core/matrix_block.hpp"

namespace psml::compress {
namespace {

std::vector<float> gradient(std::size_t n, std::uint64_t seed, float scale = 1.0f) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> g(n);
  for (auto& x : g) x = normal(rng);
  return g;
}

TEST(CompressionSpec, ParsesEachKindAndNamesBadText) {
  EXPECT_EQ(CompressionSpec::parse("none").kind, CompressionSpec::Kind::kNone);
  EXPECT_EQ(CompressionSpec::parse("fp16").describe(), "fp16");
  EXPECT_EQ(CompressionSpec::parse("int8").describe(), "int8");
  EXPECT_EQ(CompressionSpec::parse("topk:0.01").ratio, 0.01);
  EXPECT_EQ(CompressionSpec::parse("powersgd:4").rank, 4);
  for (const char* bad :
       {"", "fp8", "topk", "topk:0", "topk:1.5", "topk:x", "powersgd:0", "powersgd:2.5", "int8:3"})
    EXPECT_THROW(CompressionSpec::parse(bad), Error) << bad;
}

TEST(Quantize, Fp16RoundTripsWithinHalfPrecision) {
  auto g = gradient(10000, 1, 3.0f);
  g[0] = 1e6f;  // saturates
  std::vector<std::byte> bytes(fp16_bytes(g.size()));
  std::vector<float> back(g.size());
  encode_fp16(g, bytes);
  decode_fp16(bytes, back);
  EXPECT_EQ(bytes.size(), g.size() * 2);
  EXPECT_EQ(back[0], 65504.0f);
  for (std::size_t i = 1; i < g.size(); ++i) {
    // Normal halves: half a unit in the last place; subnormal ones: half their spacing.
    const float bound = std::abs(g[i]) >= 6.2e-5f ? std::abs(g[i]) * 0x1p-11f : 0x1p-25f;
    EXPECT_LE(std::abs(back[i] - g[i]), bound) << i;
  }
}

TEST(Quantize, Int8RoundTripsWithinHalfAStepOfEachBlock) {
  auto g = gradient(3 * kInt8Block + 17, 2);
  for (std::size_t i = kInt8Block; i < 2 * kInt8Block; ++i) g[i] *= 1000;  // blocks differ
  std::fill(g.end() - 17, g.end(), 0.0f);                                  // an all-zero tail
  std::vector<std::byte> bytes(int8_bytes(g.size()));
  std::vector<float> back(g.size());
  encode_int8(g, bytes);
  decode_int8(bytes, back);
  EXPECT_EQ(bytes.size(), g.size() + 4 * sizeof(float));
  for (std::size_t first = 0; first < g.size(); first += kInt8Block) {
    const std::size_t end = std::min(g.size(), first + kInt8Block);
    float largest = 0;
    for (std::size_t i = first; i < end; ++i) largest = std::max(largest, std::abs(g[i]));
    for (std::size_t i = first; i < end; ++i)
      EXPECT_LE(std::abs(back[i] - g[i]), largest / 127.0f / 2.0f * 1.0001f) << i;
  }
}

TEST(TopK, SendsTheLargestAndFeedsBackTheRest) {
  const std::size_t n = 1000;
  TopK topk(n, 0.01);
  ASSERT_EQ(topk.k(), 10u);
  std::vector<std::uint32_t> indices(topk.k());
  std::vector<float> values(topk.k());
  std::vector<double> sent(n, 0.0), truth(n, 0.0);
  for (int step = 0; step < 50; ++step) {
    const auto g = gradient(n, 100 + static_cast<std::uint64_t>(step));
    for (std::size_t i = 0; i < n; ++i) truth[i] += g[i];
    std::vector<float> before(topk.residual().begin(), topk.residual().end());
    topk.encode(g, indices, values);
    EXPECT_TRUE(std::is_sorted(indices.begin(), indices.end()));
    // The values sent are the k largest of gradient + residual.
    float smallest_sent = INFINITY;
    for (std::size_t j = 0; j < topk.k(); ++j) {
      EXPECT_EQ(values[j], before[indices[j]] + g[indices[j]]);
      smallest_sent = std::min(smallest_sent, std::abs(values[j]));
      sent[indices[j]] += values[j];
    }
    for (const float r : topk.residual()) EXPECT_LE(std::abs(r), smallest_sent);
  }
  // Nothing lost: sent + residual = the sum of the gradients.
  for (std::size_t i = 0; i < n; ++i)
    EXPECT_NEAR(sent[i] + topk.residual()[i], truth[i], 1e-4) << i;
  std::vector<float> sum(n, 0.0f);
  add_sparse(indices, values, sum);
  EXPECT_EQ(sum[indices[0]], values[0]);
  const std::vector<std::uint32_t> outside{static_cast<std::uint32_t>(n)};
  const std::vector<float> one{1.0f};
  EXPECT_THROW(add_sparse(outside, one, sum), Error);
}

TEST(PowerSgd, ReproducesALowRankMatrixExactly) {
  const Eigen::Index rows = 40, cols = 30;
  const Eigen::MatrixXf u = Eigen::MatrixXf::Random(rows, 2), v = Eigen::MatrixXf::Random(cols, 2);
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> m = u * v.transpose();
  PowerSgd power(rows, cols, 2, 7);
  std::vector<float> p(static_cast<std::size_t>(power.p_size())),
      q(static_cast<std::size_t>(power.q_size())), out(static_cast<std::size_t>(rows * cols));
  power.start({m.data(), out.size()}, p);
  power.middle(p, q);
  power.finish(p, q, 1, out);
  for (std::size_t i = 0; i < out.size(); ++i) EXPECT_NEAR(out[i], m.data()[i], 1e-4f) << i;
  EXPECT_LT(power.residual().cwiseAbs().maxCoeff(), 1e-4f);
}

TEST(PowerSgd, ErrorFeedbackOverWorkersLosesNothing) {
  // Two workers, rank 1 on full-rank gradients: the sum of what the steps sent plus both
  // residuals is the sum of every gradient.
  const Eigen::Index rows = 12, cols = 9;
  const auto size = static_cast<std::size_t>(rows * cols);
  std::vector<PowerSgd> workers{PowerSgd(rows, cols, 1, 3), PowerSgd(rows, cols, 1, 3)};
  Eigen::VectorXd sent = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(size));
  Eigen::VectorXd truth = sent;
  std::vector<float> p(12), q(9), p_sum(12), q_sum(9), out(size);
  for (int step = 0; step < 20; ++step) {
    std::vector<std::vector<float>> grads;
    for (int w = 0; w < 2; ++w) grads.push_back(gradient(size, 1000 + 10 * step + w));
    std::fill(p_sum.begin(), p_sum.end(), 0.0f);
    for (int w = 0; w < 2; ++w) {
      workers[static_cast<std::size_t>(w)].start(grads[static_cast<std::size_t>(w)], p);
      for (std::size_t i = 0; i < p.size(); ++i) p_sum[i] += p[i];
    }
    std::fill(q_sum.begin(), q_sum.end(), 0.0f);
    std::vector<float> p_orthonormal;
    for (int w = 0; w < 2; ++w) {
      p_orthonormal = p_sum;  // every worker orthonormalises the same sum
      workers[static_cast<std::size_t>(w)].middle(p_orthonormal, q);
      for (std::size_t i = 0; i < q.size(); ++i) q_sum[i] += q[i];
    }
    for (int w = 0; w < 2; ++w)
      workers[static_cast<std::size_t>(w)].finish(p_orthonormal, q_sum, 2, out);
    for (std::size_t i = 0; i < size; ++i) {
      sent[static_cast<Eigen::Index>(i)] += out[i];
      truth[static_cast<Eigen::Index>(i)] += grads[0][i] + grads[1][i];
    }
  }
  // Residuals are column-major Eigen matrices; the gradients and output are row-major.
  for (Eigen::Index r = 0; r < rows; ++r)
    for (Eigen::Index c = 0; c < cols; ++c) {
      const auto i = r * cols + c;
      const double residuals = workers[0].residual()(r, c) + workers[1].residual()(r, c);
      EXPECT_NEAR(sent[i] + residuals, truth[i], 1e-3) << r << "," << c;
    }
}

TEST(MatrixBlock, ARangeKeepsTheWholeRowsItHolds) {
  // A 4 x 10 matrix at 5 and a 3 x 2 one at 50; keys [12, 52) hold rows 1..3 of the first (row 0
  // is cut) and row 0 of the second (row 1 is cut).
  const std::vector<MatrixBlock> matrices{{5, 4, 10}, {50, 3, 2}};
  const auto within = matrices_within(matrices, 12, 40);
  ASSERT_EQ(within.size(), 2u);
  EXPECT_EQ(within[0], (MatrixBlock{3, 3, 10}));
  EXPECT_EQ(within[1], (MatrixBlock{38, 1, 2}));
  EXPECT_TRUE(matrices_within(matrices, 0, 5).empty());
  EXPECT_EQ(matrices_within(matrices, 0, 100), matrices);
}

TEST(PowerSgdCodec, ALowRankMatrixArrivesExactlyAndTheRestAsItIs) {
  // One worker's codec over a vector that holds a rank-2 40 x 30 matrix after 7 other values,
  // and 9 values after it; the receiver adds what it decodes to what it has.
  const Eigen::Index rows = 40, cols = 30;
  const Eigen::MatrixXf u = Eigen::MatrixXf::Random(rows, 2), v = Eigen::MatrixXf::Random(cols, 2);
  const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> m = u * v.transpose();
  const std::size_t n = 7 + 1200 + 9;
  std::vector<float> values = gradient(n, 5);
  std::copy(m.data(), m.data() + 1200, values.begin() + 7);
  const std::vector<MatrixBlock> matrices{{7, rows, cols}};
  GradientCodec sender(CompressionSpec::parse("powersgd:2"), n, matrices);
  GradientCodec receiver(CompressionSpec::parse("powersgd:2"), n, matrices);
  EXPECT_EQ(sender.encoded_bytes(), (2 * 40 + 2 * 30 + 16) * sizeof(float));
  std::vector<std::byte> bytes(sender.encoded_bytes());
  sender.encode(values, bytes);
  std::vector<float> sum(n, 1.0f);
  receiver.add_decoded(bytes, sum);
  for (std::size_t i = 0; i < n; ++i) EXPECT_NEAR(sum[i], 1.0f + values[i], 2e-4f) << i;
}

TEST(PowerSgdCodec, ErrorFeedbackLosesNothing) {
  // Full-rank gradients at rank 1: the sum of what was decoded plus what is still to be sent is
  // the sum of the gradients. The residual is what the next encoding of zeros sends in part;
  // here it is measured as the gradient sum minus the decoded sum, which must stay bounded.
  const std::size_t rows = 12, cols = 9, n = rows * cols;
  const std::vector<MatrixBlock> matrices{{0, rows, cols}};
  GradientCodec sender(CompressionSpec::parse("powersgd:1"), n, matrices);
  GradientCodec receiver(CompressionSpec::parse("powersgd:1"), n, matrices);
  EXPECT_EQ(sender.encoded_bytes(), (12 + 9) * sizeof(float));
  std::vector<std::byte> bytes(sender.encoded_bytes());
  std::vector<float> decoded(n, 0.0f);
  std::vector<double> truth(n, 0.0);
  double first_gap = 0, last_gap = 0;
  for (int step = 0; step < 200; ++step) {
    const auto grad = gradient(n, 300 + static_cast<std::uint64_t>(step % 3));
    for (std::size_t i = 0; i < n; ++i) truth[i] += grad[i];
    sender.encode(grad, bytes);
    receiver.add_decoded(bytes, decoded);
    double gap = 0, norm = 0;
    for (std::size_t i = 0; i < n; ++i) {
      gap += std::pow(truth[i] - decoded[i], 2);
      norm += truth[i] * truth[i];
    }
    (step == 0 ? first_gap : last_gap) = std::sqrt(gap / norm);
  }
  EXPECT_GT(first_gap, 0.3);  // one rank-1 view misses much of the first gradient
  EXPECT_LT(last_gap, 0.05);  // after 200 steps what is missing is a sliver of the total
}

}  // namespace
}  // namespace psml::compress
