#include "solver/detail/lp.h"

#include <cmath>

namespace iqnas::solver {

namespace {

constexpr double kEps = 1e-10;

struct Tableau {
  int m, cols;                 // rows, columns without the rhs
  std::vector<double> t;       // (m + 1) x (cols + 1); last row: reduced costs (minimisation form)
  std::vector<int> basis;
  double& at(int r, int c) { return t[static_cast<size_t>(r) * (cols + 1) + c]; }

  void pivot(int pr, int pc) {
    const double pv = at(pr, pc);
    for (int c = 0; c <= cols; ++c) at(pr, c) /= pv;
    for (int r = 0; r <= m; ++r) {
      if (r == pr) continue;
      const double f = at(r, pc);
      if (f == 0) continue;
      for (int c = 0; c <= cols; ++c) at(r, c) -= f * at(pr, c);
    }
    basis[pr] = pc;
  }

  // Minimises the last row over columns < `allowed`; Dantzig pricing, Bland's rule after
  // a run of degenerate pivots. Returns false when unbounded.
  int run(int allowed, int& pivots, int limit, std::chrono::steady_clock::time_point deadline) {
    int degenerate = 0;
    while (pivots < limit && std::chrono::steady_clock::now() <= deadline) {
      int pc = -1;
      double best = -kEps;
      for (int c = 0; c < allowed; ++c) {
        const double rc = at(m, c);
        if (degenerate > 50) {
          if (rc < -kEps) {
            pc = c;
            break;
          }
        } else if (rc < best) {
          best = rc;
          pc = c;
        }
      }
      if (pc < 0) return 0;
      int pr = -1;
      double ratio = 0;
      for (int r = 0; r < m; ++r) {
        const double a = at(r, pc);
        if (a > kEps) {
          const double q = at(r, cols) / a;
          if (pr < 0 || q < ratio - 1e-12 || (q <= ratio + 1e-12 && basis[r] < basis[pr])) {
            pr = r;
            ratio = q;
          }
        }
      }
      if (pr < 0) return 1;
      degenerate = ratio <= 1e-12 ? degenerate + 1 : 0;
      pivot(pr, pc);
      ++pivots;
    }
    return 2;
  }
};

}  // namespace

LpResult solve_lp(const LinearProgram& lp, std::chrono::steady_clock::time_point deadline) {
  const int n = lp.n;
  const int me = static_cast<int>(lp.A_eq.size()), mu = static_cast<int>(lp.A_ub.size());
  const int m = me + mu;
  // Columns: x (n), slacks (mu), artificials (m).
  Tableau T;
  T.m = m;
  T.cols = n + mu + m;
  T.t.assign(static_cast<size_t>(m + 1) * (T.cols + 1), 0.0);
  T.basis.assign(m, 0);
  for (int r = 0; r < m; ++r) {
    const bool eq = r < me;
    const std::vector<double>& row = eq ? lp.A_eq[r] : lp.A_ub[r - me];
    double rhs = eq ? lp.b_eq[r] : lp.b_ub[r - me];
    const double sign = rhs < 0 ? -1.0 : 1.0;
    for (int c = 0; c < n; ++c) T.at(r, c) = sign * row[c];
    if (!eq) T.at(r, n + (r - me)) = sign;
    T.at(r, n + mu + r) = 1.0;
    T.at(r, T.cols) = sign * rhs;
    T.basis[r] = n + mu + r;
  }
  // Phase 1: minimise the sum of artificials (reduced costs = -sum of rows).
  for (int r = 0; r < m; ++r)
    for (int c = 0; c <= T.cols; ++c)
      if (c < n + mu || c == T.cols) T.at(m, c) -= T.at(r, c);
  LpResult res;
  const int limit = 50 * (m + n + 10);
  int st = T.run(n + mu, res.pivots, limit, deadline);
  if (st == 2) {
    res.status = LpStatus::IterationLimit;
    return res;
  }
  if (-T.at(m, T.cols) > 1e-9) {
    res.status = LpStatus::Infeasible;
    return res;
  }
  // Drive remaining artificials out of the basis where possible.
  for (int r = 0; r < m; ++r) {
    if (T.basis[r] < n + mu) continue;
    if (std::chrono::steady_clock::now() > deadline) {
      res.status = LpStatus::IterationLimit;
      return res;
    }
    for (int c = 0; c < n + mu; ++c)
      if (std::fabs(T.at(r, c)) > 1e-9) {
        T.pivot(r, c);
        break;
      }
  }
  // Phase 2: reduced costs of -c (minimisation).
  for (int c = 0; c <= T.cols; ++c) T.at(m, c) = 0;
  for (int c = 0; c < n; ++c) T.at(m, c) = -lp.c[c];
  for (int r = 0; r < m; ++r) {
    const int b = T.basis[r];
    const double cb = b < n ? -lp.c[b] : 0.0;
    if (cb == 0) continue;
    for (int c = 0; c <= T.cols; ++c) T.at(m, c) -= cb * T.at(r, c);
  }
  st = T.run(n + mu, res.pivots, limit, deadline);
  if (st == 1) {
    res.status = LpStatus::Unbounded;
    return res;
  }
  if (st == 2) {
    res.status = LpStatus::IterationLimit;
    return res;
  }
  res.status = LpStatus::Optimal;
  res.x.assign(n, 0.0);
  for (int r = 0; r < m; ++r)
    if (T.basis[r] < n) res.x[T.basis[r]] = std::max(0.0, T.at(r, T.cols));
  res.value = 0;
  for (int c = 0; c < n; ++c) res.value += lp.c[c] * res.x[c];
  return res;
}

}  // namespace iqnas::solver
