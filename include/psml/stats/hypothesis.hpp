// Statistics to judge a classifier's result on a finite test set: a confidence interval for an
// accuracy, and a test of whether two classifiers' accuracies on the same rows differ.
#pragma once

#include <cstdint>

namespace psml::stats {

// The standard normal distribution's quantile: z with Φ(z) = p, for 0 < p < 1.
double normal_quantile(double p);

struct Interval {
  double low = 0, high = 0;
};

// Wilson's score interval for a proportion `successes` / `trials` at `confidence` (0.95: z =
// Φ⁻¹(0.975) = 1.95996...): unlike the normal approximation it stays within [0, 1] and keeps its
// coverage near 0 and 1. statsmodels' proportion_confint(method="wilson") computes the same.
// trials > 0.
Interval wilson_interval(double successes, double trials, double confidence = 0.95);

// McNemar's exact test on paired outcomes: of the rows where exactly one of two classifiers is
// right, `only_a` are A's and `only_b` are B's. Under "the accuracies are equal" each such row is
// A's with probability ½, so the two-sided p-value is 2 P(Binomial(b + c, ½) ≤ min(b, c)), at
// most 1 (statsmodels' mcnemar(exact=True)). Summed in log space: exact for any count.
double mcnemar_exact_p(std::int64_t only_a, std::int64_t only_b);

}  // namespace psml::stats
