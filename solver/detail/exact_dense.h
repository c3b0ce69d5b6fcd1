// Branch-and-bound of `exact` for problems whose interaction graph is not covered by stars (cross
// terms between the groups branched on): a fitted dense predictor, for instance. Internal to exact.
//
// Bound at a node: the budgets are moved into the objective with Lagrange multipliers, and the
// resulting pairwise problem is bounded by the dual of its local-polytope LP relaxation (the
// linearisation with the products summed against the one-hot rows), improved by max-product
// linear programming (MPLP) message updates warm-started from the parent node. Every message state
// gives a valid bound, so the search can stop at any time with one. See docs/solver.md.
#pragma once
#include <chrono>
#include <vector>

#include "solver/detail/dense.h"

namespace iqnas::solver::detail {

struct DenseSearchInput {
  const DenseProblem* d = nullptr;
  std::vector<double> T;     // budget maxima with the feasibility slack added
  std::vector<double> Traw;  // budget maxima as given
  bool have_incumbent = false;
  double incumbent = 0;      // objective of a feasible selection known beforehand (warm start)
  double time_limit_s = 0;   // 0: none
  // Warm start (a sweep: the same problem with other budgets): multipliers and messages of the
  // previous search's root; empty for none.
  std::vector<double> lambda, messages;
  std::chrono::steady_clock::time_point t0;
};

struct DenseSearchOutput {
  bool found = false;        // `selection` improves on the incumbent given
  std::vector<int> selection;  // in the reduced problem's option indices
  double objective = 0;
  bool aborted = false;      // time limit reached
  double open_bound = 0;     // aborted: the largest bound of the subtrees left (-inf when none)
  double root_bound = 0;
  long nodes = 0;
  long sweeps = 0;           // MPLP passes over the edges
  long heuristic_improvements = 0;
  long repaired_improvements = 0;  // of which from a selection that broke a budget, repaired
  bool soft_max_root = false;  // the root's soft-max sweeps lowered its bound (and fixed options)
  std::vector<double> lambda, messages;  // at the root, for the next warm start
};

DenseSearchOutput dense_branch_and_bound(const DenseSearchInput& in);

}  // namespace iqnas::solver::detail
