// Dense internal form of a Problem: per-option coefficient rows and one dense block per pair of
// groups that interact through bilinear terms. Row 0 is the objective, rows 1..K the constraints.
#pragma once
#include <vector>

#include "solver/problem.h"

namespace iqnas::solver {

struct DenseProblem {
  struct Edge {
    int a = 0, b = 0;        // groups, a < b
    std::vector<double> q;   // q[(oa * n[b] + ob) * R + r]
  };

  int G = 0, K = 0, R = 1;
  std::vector<int> n;              // options per group
  std::vector<int> off;            // first option of each group in `lin`
  std::vector<double> cst;         // R
  std::vector<double> lin;         // (off[g] + o) * R + r
  std::vector<double> rhs;         // K budget maxima
  std::vector<Edge> edges;
  std::vector<std::vector<int>> adj;  // group -> incident edge indices
  std::vector<std::vector<int>> orig; // option o of group g stands for original option orig[g][o]

  DenseProblem() = default;
  explicit DenseProblem(const Problem& p);

  const double* lin_at(int g, int o) const { return &lin[(off[g] + o) * R]; }
  const double* q_at(const Edge& e, int oa, int ob) const { return &e.q[(oa * n[e.b] + ob) * R]; }

  // All R row values at a selection given in this problem's option indices.
  void eval(const int* sel, double* rows) const;
  bool feasible(const double* rows) const;
  bool feasible(const double* rows, const double* maxes) const;

  // A copy keeping only the listed options of each group (indices into this problem's options).
  DenseProblem restrict(const std::vector<std::vector<int>>& keep) const;
  // Options that can be dropped because another option of the same group is at least as good in
  // every row and against every option of every neighbouring group (ties keep the lower index).
  std::vector<std::vector<int>> undominated() const;
  // Per row: the sum over groups of the range of their linear coefficients plus, over edges, the
  // range of their products (with 0): a scale for Lagrange multipliers.
  std::vector<double> row_spread() const;
  // The interaction graph's neighbours of a group (through edges).
  int other(const Edge& e, int g) const { return e.a == g ? e.b : e.a; }
};

}  // namespace iqnas::solver
