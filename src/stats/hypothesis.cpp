#include "psml/stats/hypothesis.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace psml::stats {

double normal_quantile(double p) {
  if (!(p > 0 && p < 1)) throw std::invalid_argument("normal_quantile: p must lie in (0, 1)");
  // Φ is monotone: bisection to the last bit (Φ(z) = ½ erfc(−z/√2) is exact to rounding).
  double low = -40, high = 40;
  for (int i = 0; i < 200 && high - low > 0; ++i) {
    const double mid = 0.5 * (low + high);
    if (mid == low || mid == high) break;
    (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? low : high) = mid;
  }
  return 0.5 * (low + high);
}

Interval wilson_interval(double successes, double trials, double confidence) {
  if (!(trials > 0) || successes < 0 || successes > trials)
    throw std::invalid_argument("wilson_interval: need 0 <= successes <= trials, trials > 0");
  const double z = normal_quantile(0.5 + 0.5 * confidence);
  const double z2 = z * z, p = successes / trials;
  const double scale = 1 + z2 / trials;
  const double centre = (p + z2 / (2 * trials)) / scale;
  const double half = z * std::sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / scale;
  return {centre - half, centre + half};
}

double mcnemar_exact_p(std::int64_t only_a, std::int64_t only_b) {
  if (only_a < 0 || only_b < 0) throw std::invalid_argument("mcnemar_exact_p: negative count");
  const auto n = only_a + only_b;
  const auto k = std::min(only_a, only_b);
  // log P(X = i) = log C(n, i) − n log 2; the tail by log-sum-exp about its largest term (i = k).
  const auto log_term = [n](std::int64_t i) {
    return std::lgamma(static_cast<double>(n) + 1) - std::lgamma(static_cast<double>(i) + 1) -
           std::lgamma(static_cast<double>(n - i) + 1) - static_cast<double>(n) * std::log(2.0);
  };
  const double top = log_term(k);
  double sum = 0;
  for (std::int64_t i = k; i >= 0; --i) {
    const double t = std::exp(log_term(i) - top);
    sum += t;
    if (t < 1e-18 * sum) break;  // the terms only shrink further down
  }
  return std::min(1.0, 2 * std::exp(top + std::log(sum)));
}

}  // namespace psml::stats
