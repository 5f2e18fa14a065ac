// Limited-memory BFGS for smooth convex objectives, and OWL-QN (orthant-wise L-BFGS, Andrew & Gao
// 2007) when an L1 term is added. Deterministic: the same objective values give the same steps,
// so every rank of a distributed run that sees the same (broadcast) loss and gradient takes the
// same decisions, with no exchange of its own.
//   direction  the two-loop recursion over the last `history` pairs s = Δx, y = Δ∇f, scaled by
//              γ = sᵀy / yᵀy; a pair with sᵀy ≤ 1e-12 ‖s‖ ‖y‖ is not kept (curvature would be
//              lost); a direction that is not downhill restarts from −∇f.
//   smooth     a line search that satisfies the strong Wolfe conditions
//              f(x + αd) ≤ f(x) + c₁ α ∇f·d and |∇f(x + αd)·d| ≤ c₂ |∇f·d|
//              (bracketing, then zoom by safeguarded cubic interpolation: Nocedal & Wright,
//              Algorithms 3.5 and 3.6); the first step is 1 / ‖∇f‖ at most, later ones start at 1.
//   L1         F(x) = f(x) + l1 Σ_{i in mask} |x_i|: the pseudo-gradient's direction, kept in the
//              orthant of x (or of −pseudo-gradient where x_i = 0), a backtracking search along
//              the projection onto that orthant with sufficient decrease of F; s and y from f
//              only.
//   stops      when ‖(pseudo-)gradient‖∞ ≤ gtol, when the objective's relative decrease
//              (F_prev − F) / max(|F_prev|, |F|, 1) ≤ ftol, after max_iterations, or when no step
//              decreases F (at the limit of the objective's rounding).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

namespace psml::optim {

struct LbfgsOptions {
  int history = 10;
  int max_iterations = 500;
  double gtol = 1e-6;
  double ftol = 1e-12;
  double l1 = 0;  // > 0: OWL-QN on the entries of the mask
  double c1 = 1e-4, c2 = 0.9;
  int max_evaluations_per_search = 40;
};

// The smooth part f: returns f(x) and writes ∇f(x) into grad.
using Objective = std::function<double(std::span<const double> x, std::span<double> grad)>;

struct LbfgsIteration {
  int iteration = 0;
  double objective = 0;      // F after the step (with the L1 term)
  double gradient_norm = 0;  // ‖(pseudo-)gradient‖∞ after the step
  double step = 0;           // α
  int evaluations = 0;       // of the objective in this iteration's search
};

struct LbfgsResult {
  int iterations = 0;
  int evaluations = 0;  // of the objective in all
  double objective = 0;
  double gradient_norm = 0;
  bool converged = false;       // by gtol or ftol
  std::string stopped_because;  // "gradient norm <= gtol", ...
};

// Minimises from x (updated in place). `l1_mask[i]` != 0 where the L1 term applies (empty: all
// entries, when l1 > 0).
LbfgsResult minimize_lbfgs(const Objective& f, std::span<double> x, const LbfgsOptions& options,
                           std::span<const std::uint8_t> l1_mask = {},
                           const std::function<void(const LbfgsIteration&)>& on_iteration = {});

}  // namespace psml::optim
