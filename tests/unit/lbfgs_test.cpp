// L-BFGS and OWL-QN on objectives with known minimisers.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <vector>

#include "psml/optim/lbfgs.hpp"

namespace psml::optim {
namespace {

double rosenbrock(std::span<const double> x, std::span<double> g) {
  double f = 0;
  for (auto& v : g) v = 0;
  for (std::size_t i = 0; i + 1 < x.size(); ++i) {
    const double a = x[i + 1] - x[i] * x[i], b = 1 - x[i];
    f += 100 * a * a + b * b;
    g[i] += -400 * x[i] * a - 2 * b;
    g[i + 1] += 200 * a;
  }
  return f;
}

TEST(Lbfgs, RosenbrockToItsMinimum) {
  std::vector<double> x(10, -1.2);
  LbfgsOptions o;
  o.gtol = 1e-9;
  o.ftol = 0;
  int iterations = 0;
  bool wolfe_steps_decrease = true;
  double last = INFINITY;
  const auto r = minimize_lbfgs(rosenbrock, x, o, {}, [&](const LbfgsIteration& s) {
    ++iterations;
    wolfe_steps_decrease = wolfe_steps_decrease && s.objective < last;
    last = s.objective;
  });
  EXPECT_TRUE(r.converged) << r.stopped_because;
  EXPECT_EQ(r.iterations, iterations);
  EXPECT_TRUE(wolfe_steps_decrease);
  for (double v : x) EXPECT_NEAR(v, 1.0, 1e-7);
  EXPECT_LT(r.iterations, 200);
}

// f = ½ ‖A x − b‖² / m: a well-posed least-squares problem.
struct LeastSquares {
  Eigen::MatrixXd a;
  Eigen::VectorXd b;
  double operator()(std::span<const double> x, std::span<double> g) const {
    const Eigen::Map<const Eigen::VectorXd> v(x.data(), static_cast<Eigen::Index>(x.size()));
    const Eigen::VectorXd r = a * v - b;
    Eigen::Map<Eigen::VectorXd>(g.data(), static_cast<Eigen::Index>(g.size())) =
        a.transpose() * r / static_cast<double>(a.rows());
    return 0.5 * r.squaredNorm() / static_cast<double>(a.rows());
  }
};

TEST(Lbfgs, LeastSquaresIsTheNormalEquations) {
  auto p = LeastSquares{Eigen::MatrixXd::Random(200, 15), Eigen::VectorXd::Random(200)};
  std::vector<double> x(15, 0.0);
  LbfgsOptions o;
  o.gtol = 1e-12;
  o.ftol = 0;
  const auto r = minimize_lbfgs(p, x, o);
  EXPECT_TRUE(r.converged) << r.stopped_because;
  const Eigen::VectorXd exact = p.a.colPivHouseholderQr().solve(p.b);
  for (int j = 0; j < 15; ++j) EXPECT_NEAR(x[static_cast<std::size_t>(j)], exact[j], 1e-9);
}

// Lasso by cyclic coordinate descent (exact soft-thresholding per coordinate), the reference.
Eigen::VectorXd lasso_by_coordinate_descent(const LeastSquares& p, double l1,
                                            const std::vector<std::uint8_t>& mask) {
  const double m = static_cast<double>(p.a.rows());
  Eigen::VectorXd x = Eigen::VectorXd::Zero(p.a.cols());
  for (int sweep = 0; sweep < 20000; ++sweep) {
    for (Eigen::Index j = 0; j < x.size(); ++j) {
      const double norm = p.a.col(j).squaredNorm() / m;
      const Eigen::VectorXd r = p.b - p.a * x + p.a.col(j) * x[j];
      const double rho = p.a.col(j).dot(r) / m;
      const double t = mask[static_cast<std::size_t>(j)] ? l1 : 0.0;
      x[j] = (rho > t ? rho - t : rho < -t ? rho + t : 0.0) / norm;
    }
  }
  return x;
}

TEST(Lbfgs, OwlQnIsTheLassoSolution) {
  auto p = LeastSquares{Eigen::MatrixXd::Random(300, 12), Eigen::VectorXd::Zero(300)};
  Eigen::VectorXd truth = Eigen::VectorXd::Zero(12);
  truth << 2, -1.5, 0, 0, 0.8, 0, 0, 0, -0.3, 0, 0, 0.05;
  p.b = p.a * truth + 0.1 * Eigen::VectorXd::Random(300);
  std::vector<std::uint8_t> mask(12, 1);
  mask[11] = 0;  // one entry outside the L1 term (as a bias is)
  LbfgsOptions o;
  o.l1 = 0.02;
  o.gtol = 1e-10;
  o.ftol = 0;
  std::vector<double> x(12, 0.0);
  const auto r = minimize_lbfgs(p, x, o, mask);
  EXPECT_TRUE(r.converged) << r.stopped_because;
  const auto expect = lasso_by_coordinate_descent(p, o.l1, mask);
  int zeros = 0;
  for (int j = 0; j < 12; ++j) {
    EXPECT_NEAR(x[static_cast<std::size_t>(j)], expect[j], 1e-7) << "entry " << j;
    if (expect[j] == 0) {
      EXPECT_EQ(x[static_cast<std::size_t>(j)], 0.0) << "entry " << j << " is exactly 0";
      ++zeros;
    }
  }
  EXPECT_GE(zeros, 3);  // the L1 term really makes zeros here
}

TEST(Lbfgs, StopsOnMaxIterationsAndSaysSo) {
  std::vector<double> x(10, -1.2);
  LbfgsOptions o;
  o.max_iterations = 3;
  const auto r = minimize_lbfgs(rosenbrock, x, o);
  EXPECT_FALSE(r.converged);
  EXPECT_EQ(r.iterations, 3);
  EXPECT_EQ(r.stopped_because, "max iterations");
}

TEST(Lbfgs, AlreadyOptimalTakesNoStep) {
  std::vector<double> x(10, 1.0);
  const auto r = minimize_lbfgs(rosenbrock, x, {});
  EXPECT_TRUE(r.converged);
  EXPECT_EQ(r.iterations, 0);
  EXPECT_EQ(r.evaluations, 1);
}

}  // namespace
}  // namespace psml::optim
