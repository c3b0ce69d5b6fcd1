// The continuous relaxation shared by `relax` and `binas-bcfw`: a distribution over the options of
// every group, the rows at it, and the LP of one block of groups in which every row is linear (no
// bilinear term joins two groups of the block) with the other groups held at the point.
#pragma once
#include <chrono>
#include <vector>

#include "solver/detail/dense.h"

namespace iqnas::solver::detail {

struct Relaxation {
  const DenseProblem& d;
  std::vector<std::vector<double>> x;  // per group, a distribution over its options

  explicit Relaxation(const DenseProblem& dp) : d(dp), x(dp.G) {}

  // Every row (objective, budgets) at x.
  void rows(std::vector<double>& out) const {
    out.assign(d.cst.begin(), d.cst.end());
    for (int g = 0; g < d.G; ++g)
      for (int o = 0; o < d.n[g]; ++o)
        if (x[g][o] != 0)
          for (int r = 0; r < d.R; ++r) out[r] += x[g][o] * d.lin_at(g, o)[r];
    for (const auto& e : d.edges)
      for (int a = 0; a < d.n[e.a]; ++a) {
        if (x[e.a][a] == 0) continue;
        for (int b = 0; b < d.n[e.b]; ++b) {
          const double w = x[e.a][a] * x[e.b][b];
          if (w == 0) continue;
          for (int r = 0; r < d.R; ++r) out[r] += w * d.q_at(e, a, b)[r];
        }
      }
  }

  // Coefficients of every row for the options of group g, with the other groups at x.
  void coefs(int g, std::vector<double>& out) const {
    out.assign(d.lin_at(g, 0), d.lin_at(g, 0) + d.n[g] * d.R);
    for (int ei : d.adj[g]) {
      const auto& e = d.edges[ei];
      const int h = d.other(e, g);
      for (int o = 0; o < d.n[g]; ++o)
        for (int m = 0; m < d.n[h]; ++m) {
          if (x[h][m] == 0) continue;
          const double* q = e.a == g ? d.q_at(e, o, m) : d.q_at(e, m, o);
          for (int r = 0; r < d.R; ++r) out[o * d.R + r] += x[h][m] * q[r];
        }
    }
  }
};


struct LpCounters {
  int lps = 0, pivots = 0, failures = 0;
};

constexpr double kMaxBlockLpBytes = 2e9;

// Maximise obj . y over the simplices of `groups` (obj: one entry per option, groups in order)
// subject to every budget, with the groups outside the block at rx.x; y gets one distribution per
// group of the block (a vertex of the LP). False when the LP failed (infeasible, iteration limit,
// past `deadline`). Throws std::runtime_error when the dense LP would need more than kMaxBlockLpBytes.
bool block_lp(const Relaxation& rx, const std::vector<int>& groups, const std::vector<double>& obj,
              std::vector<std::vector<double>>& y, LpCounters& cnt,
              std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max());
// The size check of block_lp alone (std::runtime_error), so that a method can refuse a problem
// before spending time on it.
void check_block_lp_size(const DenseProblem& d, const std::vector<int>& groups);

}  // namespace iqnas::solver::detail
