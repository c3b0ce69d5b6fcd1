// Exact branch-and-bound for the one-hot IQP (see docs/solver.md, "exact").
//
// Structure it exploits, found from the problem rather than assumed:
// - options dominated in every row and against every neighbouring option are dropped;
// - a vertex cover of the interaction graph (groups linked by bilinear terms) is branched on first;
//   once the cover is fixed every bilinear term is linear and the rest is a multiple-choice
//   knapsack, bounded by the LP relaxation of a surrogate budget (greedy over upper hulls);
// - while cover groups are free, a Lagrangian bound over the budgets, evaluated exactly on each
//   star of the interaction graph (a cover group with the groups that hang on it).
#pragma once
#include <memory>
#include <vector>

#include "solver/problem.h"

namespace iqnas::solver {

struct ExactOptions {
  double time_limit_s = 0.0;  // 0: none; on timeout the result is `feasible` with a valid bound
};

class ExactSolver {
 public:
  explicit ExactSolver(const Problem& p);  // budget-independent preprocessing
  ~ExactSolver();
  ExactSolver(const ExactSolver&) = delete;
  ExactSolver& operator=(const ExactSolver&) = delete;

  // Solves with the problem's own budgets, or with `maxes` (one per constraint) when given.
  // `hint` (optional) is a selection tried first as the incumbent (warm start).
  Result solve(const ExactOptions& opt = {}, const std::vector<double>* maxes = nullptr,
               const std::vector<int>* hint = nullptr);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One-call helpers.
Result solve_exact(const Problem& p, const ExactOptions& opt = {});
// The smallest value constraint k can take over all selections (other budgets ignored).
double min_constraint_value(const Problem& p, int k);

}  // namespace iqnas::solver
