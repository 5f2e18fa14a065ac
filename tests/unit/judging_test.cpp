// Wilson intervals, McNemar's exact test and the classification report, against figures that
// statsmodels 0.13 (Debian's python3-statsmodels) and scipy printed for the same inputs:
//   proportion_confint(count, nobs, method="wilson"), mcnemar(table, exact=True).pvalue,
//   norm.ppf(p). tests/cli/judging.py checks psml eval and psml compare against them live.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "psml/stats/classification_report.hpp"
#include "psml/stats/hypothesis.hpp"

namespace psml::stats {
namespace {

TEST(Judging, NormalQuantileIsScipys) {
  EXPECT_NEAR(normal_quantile(0.975), 1.959963984540054, 1e-13);
  EXPECT_NEAR(normal_quantile(0.995), 2.5758293035489004, 1e-13);
  EXPECT_NEAR(normal_quantile(1e-10), -6.361340902404056, 1e-11);
  EXPECT_NEAR(normal_quantile(0.5), 0.0, 1e-15);
  EXPECT_THROW(normal_quantile(1.0), std::invalid_argument);
}

TEST(Judging, WilsonIntervalIsStatsmodels) {
  struct Case {
    double count, rows, low, high;
  };
  for (const auto& c : std::vector<Case>{{8449, 10000, 0.8376726157433282, 0.8518625021805791},
                                         {0, 10, 0.0, 0.27753279986288926},
                                         {10, 10, 0.7224672001371106, 1.0},
                                         {1, 3, 0.06149194472039626, 0.7923403991979523},
                                         {59, 60, 0.9114487027240993, 0.9970518402052136}}) {
    const auto i = wilson_interval(c.count, c.rows);
    EXPECT_NEAR(i.low, c.low, 1e-12) << c.count << "/" << c.rows;
    EXPECT_NEAR(i.high, c.high, 1e-12) << c.count << "/" << c.rows;
  }
  EXPECT_THROW(wilson_interval(3, 2), std::invalid_argument);
  EXPECT_THROW(wilson_interval(0, 0), std::invalid_argument);
}

TEST(Judging, McNemarExactIsStatsmodels) {
  EXPECT_DOUBLE_EQ(mcnemar_exact_p(0, 0), 1.0);
  EXPECT_DOUBLE_EQ(mcnemar_exact_p(1, 1), 1.0);
  EXPECT_NEAR(mcnemar_exact_p(5, 0), 0.0625, 1e-15);
  EXPECT_NEAR(mcnemar_exact_p(12, 25) / 0.04703102743951604, 1, 1e-11);
  EXPECT_NEAR(mcnemar_exact_p(25, 12) / 0.04703102743951604, 1, 1e-11);  // symmetric
  EXPECT_NEAR(mcnemar_exact_p(101, 140) / 0.01420426221341682, 1, 1e-11);
  EXPECT_NEAR(mcnemar_exact_p(3000, 3100) / 0.20494954465156054, 1, 1e-9);
}

TEST(Judging, ReportFromKnownRows) {
  // Three classes; truth / predicted / confidence of the prediction (two classes' log-p set so
  // the row sums to 1).
  ClassificationTally t(3, true);
  struct Row {
    int truth, predicted;
    double p;  // probability of the predicted class; the rest split evenly
  };
  const std::vector<Row> rows = {{0, 0, 0.9}, {0, 1, 0.6}, {1, 1, 0.7},  {1, 1, 0.95},
                                 {2, 2, 0.5}, {2, 0, 0.4}, {2, 2, 0.99}, {1, 2, 0.8}};
  double log_loss = 0;
  for (const auto& r : rows) {
    std::vector<double> lp(3, std::log((1 - r.p) / 2));
    lp[static_cast<std::size_t>(r.predicted)] = std::log(r.p);
    log_loss -= lp[static_cast<std::size_t>(r.truth)];
    t.add(r.truth, r.predicted, lp);
  }
  const auto rep = t.report();
  EXPECT_EQ(rep.rows, 8);
  EXPECT_DOUBLE_EQ(rep.accuracy, 5.0 / 8);
  // class 0: predicted by rows 0 and 5 (one right), present in rows 0, 1.
  EXPECT_DOUBLE_EQ(rep.classes[0].precision, 0.5);
  EXPECT_DOUBLE_EQ(rep.classes[0].recall, 0.5);
  // class 1: predicted rows 1, 2, 3 (two right); present 2, 3, 7.
  EXPECT_DOUBLE_EQ(rep.classes[1].precision, 2.0 / 3);
  EXPECT_DOUBLE_EQ(rep.classes[1].recall, 2.0 / 3);
  // class 2: predicted rows 4, 6, 7 (two right); present 4, 5, 6.
  EXPECT_DOUBLE_EQ(rep.classes[2].f1, 2.0 / 3);
  EXPECT_EQ(rep.classes[2].support, 3);
  EXPECT_NEAR(rep.macro.f1, (0.5 + 2.0 / 3 + 2.0 / 3) / 3, 1e-15);
  EXPECT_NEAR(rep.weighted.recall, (2 * 0.5 + 3 * 2.0 / 3 + 3 * 2.0 / 3) / 8, 1e-15);
  EXPECT_NEAR(rep.log_loss, log_loss / 8, 1e-12);
  // ECE by hand over 15 bins: each row is alone in its bin except 0.9 and 0.95 (bin 13, 14?).
  double ece = 0;
  std::vector<double> n(15), conf(15), right(15);
  for (const auto& r : rows) {
    const auto b = std::min(14, static_cast<int>(r.p * 15));
    n[static_cast<std::size_t>(b)] += 1;
    conf[static_cast<std::size_t>(b)] += r.p;
    right[static_cast<std::size_t>(b)] += r.truth == r.predicted;
  }
  for (std::size_t b = 0; b < 15; ++b)
    if (n[b] > 0) ece += n[b] / 8 * std::abs(right[b] / n[b] - conf[b] / n[b]);
  EXPECT_NEAR(rep.expected_calibration_error, ece, 1e-12);
  EXPECT_THROW(t.add(3, 0, {}), std::out_of_range);
}

TEST(Judging, WithoutProbabilitiesNoLogLoss) {
  ClassificationTally t(2, false);
  t.add(0, 0, {});
  t.add(1, 0, {});
  const auto rep = t.report();
  EXPECT_FALSE(rep.has_probabilities);
  EXPECT_DOUBLE_EQ(rep.accuracy, 0.5);
  EXPECT_DOUBLE_EQ(rep.classes[1].precision, 0.0);  // never predicted: 0, as scikit-learn
}

}  // namespace
}  // namespace psml::stats
