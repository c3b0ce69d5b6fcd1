#include "solver/detail/relaxation.h"

#include "solver/detail/lp.h"

#include <cstdio>
#include <stdexcept>

namespace iqnas::solver::detail {

void check_block_lp_size(const DenseProblem& d, const std::vector<int>& groups) {
  int n = 0;
  for (int g : groups) n += d.n[g];
  // The dense LP and its tableau hold about 2 x rows x (columns + slacks + artificials) doubles:
  // refuse clearly what cannot be held rather than run out of memory.
  const double rows = static_cast<double>(groups.size()) + d.K;
  const double bytes = 2.0 * rows * (n + 2 * rows + 1) * sizeof(double);
  if (bytes > kMaxBlockLpBytes) {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "the block LP of %zu groups and %d options would need %.3g GB as a dense tableau (at most %.3g GB); "
                  "use exact, evo or random for a problem this large",
                  groups.size(), n, bytes / 1e9, kMaxBlockLpBytes / 1e9);
    throw std::runtime_error(buf);
  }
}

bool block_lp(const Relaxation& rx, const std::vector<int>& groups, const std::vector<double>& obj,
              std::vector<std::vector<double>>& y, LpCounters& cnt, std::chrono::steady_clock::time_point deadline) {
  const DenseProblem& d = rx.d;
  const int K = d.K, R = d.R;
  std::vector<int> first;
  int n = 0;
  for (int g : groups) {
    first.push_back(n);
    n += d.n[g];
  }
  check_block_lp_size(d, groups);
  LinearProgram lp;
  lp.n = n;
  lp.c = obj;
  lp.A_ub.assign(K, std::vector<double>(n, 0.0));
  lp.b_ub.assign(d.rhs.begin(), d.rhs.end());
  // Every row is linear in the block: value = rest + sum over the block of x * coef, so the
  // budget left to the block is rhs - rest.
  std::vector<double> rv;
  rx.rows(rv);
  std::vector<double> share(K, 0.0), cf;
  for (size_t i = 0; i < groups.size(); ++i) {
    const int g = groups[i];
    rx.coefs(g, cf);
    for (int o = 0; o < d.n[g]; ++o)
      for (int k = 0; k < K; ++k) {
        lp.A_ub[k][first[i] + o] = cf[o * R + k + 1];
        share[k] += rx.x[g][o] * cf[o * R + k + 1];
      }
    std::vector<double> row(n, 0.0);
    for (int o = 0; o < d.n[g]; ++o) row[first[i] + o] = 1.0;
    lp.A_eq.push_back(row);
    lp.b_eq.push_back(1.0);
  }
  for (int k = 0; k < K; ++k) lp.b_ub[k] = d.rhs[k] - (rv[k + 1] - share[k]);
  LpResult sol = solve_lp(lp, deadline);
  ++cnt.lps;
  cnt.pivots += sol.pivots;
  if (sol.status != LpStatus::Optimal) {
    ++cnt.failures;
    return false;
  }
  y.assign(groups.size(), {});
  for (size_t i = 0; i < groups.size(); ++i)
    y[i].assign(sol.x.begin() + first[i], sol.x.begin() + first[i] + d.n[groups[i]]);
  return true;
}

}  // namespace iqnas::solver::detail
