#include "psml/optim/lbfgs.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <vector>

namespace psml::optim {
namespace {

using Vec = Eigen::VectorXd;

// The last pairs (s, y) and the two-loop recursion over them.
class History {
 public:
  explicit History(int capacity) : capacity_(static_cast<std::size_t>(std::max(capacity, 1))) {}

  void push(Vec s, Vec y) {
    const double sy = s.dot(y);
    if (!(sy > 1e-12 * s.norm() * y.norm())) return;  // no curvature information: skip
    if (s_.size() == capacity_) {
      s_.pop_front();
      y_.pop_front();
      rho_.pop_front();
    }
    rho_.push_back(1.0 / sy);
    s_.push_back(std::move(s));
    y_.push_back(std::move(y));
  }
  void clear() {
    s_.clear();
    y_.clear();
    rho_.clear();
  }
  bool empty() const { return s_.empty(); }

  // −H g, H the inverse-Hessian approximation.
  Vec direction(const Vec& g) {
    Vec q = g;
    alpha_.resize(s_.size());
    for (std::size_t i = s_.size(); i-- > 0;) {
      alpha_[i] = rho_[i] * s_[i].dot(q);
      q -= alpha_[i] * y_[i];
    }
    if (!s_.empty()) q *= s_.back().dot(y_.back()) / y_.back().squaredNorm();
    for (std::size_t i = 0; i < s_.size(); ++i) {
      const double beta = rho_[i] * y_[i].dot(q);
      q += (alpha_[i] - beta) * s_[i];
    }
    return -q;
  }

 private:
  std::size_t capacity_;
  std::deque<Vec> s_, y_;
  std::deque<double> rho_;
  std::vector<double> alpha_;
};

struct Point {
  double alpha = 0, f = 0, slope = 0;  // step, objective, directional derivative ∇f·d
  Vec x, g;
};

class Evaluator {
 public:
  Evaluator(const Objective& f, Eigen::Index n) : f_(f), n_(n) {}
  double operator()(const Vec& x, Vec& g) {
    g.resize(n_);
    ++count;
    return f_({x.data(), static_cast<std::size_t>(n_)}, {g.data(), static_cast<std::size_t>(n_)});
  }
  int count = 0;

 private:
  const Objective& f_;
  Eigen::Index n_;
};

// The minimiser of the cubic through (a, fa, da) and (b, fb, db), kept inside the interval away
// from its ends; the midpoint when the cubic has none there.
double cubic_step(const Point& a, const Point& b) {
  const double lo = std::min(a.alpha, b.alpha), hi = std::max(a.alpha, b.alpha), w = hi - lo;
  if (std::isfinite(b.f) && std::isfinite(b.slope)) {
    const double d1 = a.slope + b.slope - 3 * (a.f - b.f) / (a.alpha - b.alpha);
    const double disc = d1 * d1 - a.slope * b.slope;
    if (disc >= 0) {
      const double d2 = std::copysign(std::sqrt(disc), b.alpha - a.alpha);
      const double t =
          b.alpha - (b.alpha - a.alpha) * (b.slope + d2 - d1) / (b.slope - a.slope + 2 * d2);
      if (std::isfinite(t) && t > lo + 0.1 * w && t < hi - 0.1 * w) return t;
    }
  }
  return 0.5 * (lo + hi);
}

// A step along d satisfying the strong Wolfe conditions; else the lowest step with sufficient
// decrease found; `found` false when not even that.
Point strong_wolfe(Evaluator& eval, const Point& start, const Vec& d, double alpha,
                   const LbfgsOptions& o, int& evaluations, bool& found) {
  const int before = eval.count;
  const auto at = [&](double step) {
    Point p;
    p.alpha = step;
    p.x = start.x + step * d;
    p.f = eval(p.x, p.g);
    p.slope = p.g.dot(d);
    return p;
  };
  const auto armijo = [&](const Point& p) {
    return std::isfinite(p.f) && p.f <= start.f + o.c1 * p.alpha * start.slope;
  };
  const auto curvature = [&](const Point& p) { return std::abs(p.slope) <= -o.c2 * start.slope; };
  const auto done = [&] { return eval.count - before >= o.max_evaluations_per_search; };
  Point prev = start, lo, hi;
  bool zoom = false;
  found = false;
  for (int i = 0; !done(); ++i) {
    Point p = at(alpha);
    if (!armijo(p) || (i > 0 && p.f >= prev.f)) {
      lo = std::move(prev);
      hi = std::move(p);
      zoom = true;
      break;
    }
    if (curvature(p)) {
      found = true;
      evaluations = eval.count - before;
      return p;
    }
    if (p.slope >= 0) {
      hi = std::move(prev);
      lo = std::move(p);
      zoom = true;
      break;
    }
    prev = std::move(p);
    alpha *= 2;
  }
  if (!zoom) lo = std::move(prev);  // out of evaluations while still going downhill
  while (zoom && !done() &&
         std::abs(hi.alpha - lo.alpha) > 1e-15 * std::max(1.0, std::abs(lo.alpha))) {
    Point p = at(cubic_step(lo, hi));
    if (!armijo(p) || p.f >= lo.f) {
      hi = std::move(p);
      continue;
    }
    if (curvature(p)) {
      found = true;
      evaluations = eval.count - before;
      return p;
    }
    if (p.slope * (hi.alpha - lo.alpha) >= 0) hi = std::move(lo);
    lo = std::move(p);
  }
  // lo: the lowest point with sufficient decrease (or the start itself).
  evaluations = eval.count - before;
  found = lo.alpha > 0;
  return lo;
}

double relative_decrease(double before, double after) {
  return (before - after) / std::max({std::abs(before), std::abs(after), 1.0});
}

}  // namespace

LbfgsResult minimize_lbfgs(const Objective& f, std::span<double> x_out, const LbfgsOptions& o,
                           std::span<const std::uint8_t> l1_mask,
                           const std::function<void(const LbfgsIteration&)>& on_iteration) {
  const auto n = static_cast<Eigen::Index>(x_out.size());
  Evaluator eval(f, n);
  History history(o.history);
  const bool owl = o.l1 > 0;
  const auto masked = [&](Eigen::Index i) {
    return l1_mask.empty() || l1_mask[static_cast<std::size_t>(i)] != 0;
  };
  const auto l1_term = [&](const Vec& v) {
    double sum = 0;
    for (Eigen::Index i = 0; i < n; ++i)
      if (masked(i)) sum += std::abs(v[i]);
    return o.l1 * sum;
  };
  // The pseudo-gradient of F = f + l1 ‖x‖₁: the gradient where |x_i| is smooth, else the
  // one-sided derivative that points downhill, or 0 where neither does.
  const auto pseudo_gradient = [&](const Vec& v, const Vec& g) {
    if (!owl) return g;
    Vec pg = g;
    for (Eigen::Index i = 0; i < n; ++i) {
      if (!masked(i)) continue;
      if (v[i] > 0)
        pg[i] = g[i] + o.l1;
      else if (v[i] < 0)
        pg[i] = g[i] - o.l1;
      else if (g[i] + o.l1 < 0)
        pg[i] = g[i] + o.l1;
      else if (g[i] - o.l1 > 0)
        pg[i] = g[i] - o.l1;
      else
        pg[i] = 0;
    }
    return pg;
  };

  Point current;
  current.x = Eigen::Map<const Vec>(x_out.data(), n);
  current.f = eval(current.x, current.g);
  double objective = current.f + (owl ? l1_term(current.x) : 0.0);
  LbfgsResult result;
  const auto finish = [&](bool converged, const char* why) {
    Eigen::Map<Vec>(x_out.data(), n) = current.x;
    result.evaluations = eval.count;
    result.objective = objective;
    result.converged = converged;
    result.stopped_because = why;
    return result;
  };
  if (!std::isfinite(objective)) return finish(false, "the objective is not finite at the start");
  Vec pg = pseudo_gradient(current.x, current.g);
  result.gradient_norm = pg.lpNorm<Eigen::Infinity>();
  if (result.gradient_norm <= o.gtol) return finish(true, "gradient norm <= gtol");

  for (int it = 1; it <= o.max_iterations; ++it) {
    Vec d = history.empty() ? Vec(-pg) : history.direction(pg);
    if (owl)  // keep only the L1 coordinates that go downhill (the others are smooth)
      for (Eigen::Index i = 0; i < n; ++i)
        if (masked(i) && d[i] * pg[i] >= 0) d[i] = 0;
    if (!(pg.dot(d) < 0)) {
      history.clear();
      d = -pg;
    }
    const double first = history.empty() ? std::min(1.0, 1.0 / pg.norm()) : 1.0;
    LbfgsIteration step;
    step.iteration = it;
    Point next;
    bool found = false;
    if (!owl) {
      current.slope = current.g.dot(d);
      current.alpha = 0;
      next = strong_wolfe(eval, current, d, first, o, step.evaluations, found);
      if (found) step.step = next.alpha;
    } else {
      // Backtracking along the projection onto the orthant x lies in (or −pg's where x_i = 0).
      Vec orthant(n);
      for (Eigen::Index i = 0; i < n; ++i)
        orthant[i] = current.x[i] != 0 ? (current.x[i] > 0 ? 1 : -1)
                                       : (pg[i] < 0   ? 1
                                          : pg[i] > 0 ? -1
                                                      : 0);
      double alpha = first;
      const int before = eval.count;
      while (eval.count - before < o.max_evaluations_per_search) {
        next.x = current.x + alpha * d;
        for (Eigen::Index i = 0; i < n; ++i)
          if (masked(i) && next.x[i] * orthant[i] <= 0) next.x[i] = 0;
        next.f = eval(next.x, next.g);
        const double f_next = next.f + l1_term(next.x);
        if (std::isfinite(f_next) && f_next <= objective + o.c1 * pg.dot(next.x - current.x)) {
          found = true;
          step.step = alpha;
          break;
        }
        alpha *= 0.5;
      }
      step.evaluations = eval.count - before;
    }
    if (!found) {
      if (!history.empty()) {  // a poor quasi-Newton direction: once more along −pg
        history.clear();
        --it;
        continue;
      }
      return finish(false, "no step decreases the objective (its rounding limit)");
    }
    history.push(next.x - current.x, next.g - current.g);
    const double previous = objective;
    current = std::move(next);
    objective = current.f + (owl ? l1_term(current.x) : 0.0);
    pg = pseudo_gradient(current.x, current.g);
    result.iterations = it;
    result.gradient_norm = pg.lpNorm<Eigen::Infinity>();
    step.objective = objective;
    step.gradient_norm = result.gradient_norm;
    if (on_iteration) on_iteration(step);
    if (result.gradient_norm <= o.gtol) return finish(true, "gradient norm <= gtol");
    if (relative_decrease(previous, objective) <= o.ftol)
      return finish(true, "relative decrease of the objective <= ftol");
  }
  return finish(false, "max iterations");
}

}  // namespace psml::optim
