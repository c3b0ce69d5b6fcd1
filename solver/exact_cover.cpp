// exact, phase 1: branching on the cover groups, bounded by the budgets' Lagrangian evaluated exactly
// on every star of the interaction graph (docs/solver.md, exact item 3).
#include <algorithm>
#include <utility>

#include "solver/detail/exact_impl.h"
#include "solver/detail/golden_section.h"

namespace iqnas::solver {

using detail::golden_section_min;

// Upper bound on sum_r w[r] * row_r(x) over all completions of `sel`: exact on every star of
// the interaction graph among free groups (a free cover group and the free groups it hosts);
// edges between two free cover groups are bounded by their best partner option.
double ExactSolver::Impl::star_bound(const double* w) {
  double c = h(w, d.cst.data());
  for (int g = 0; g < G; ++g) {
    if (sel[g] >= 0) {
      c += h(w, d.lin_at(g, sel[g]));
    } else {
      for (int o = 0; o < d.n[g]; ++o) base[d.off[g] + o] = h(w, d.lin_at(g, o));
    }
  }
  for (const auto& e : d.edges) {
    const int sa = sel[e.a], sb = sel[e.b];
    if (sa >= 0 && sb >= 0) {
      c += h(w, d.q_at(e, sa, sb));
    } else if (sa >= 0) {
      for (int ob = 0; ob < d.n[e.b]; ++ob) base[d.off[e.b] + ob] += h(w, d.q_at(e, sa, ob));
    } else if (sb >= 0) {
      for (int oa = 0; oa < d.n[e.a]; ++oa) base[d.off[e.a] + oa] += h(w, d.q_at(e, oa, sb));
    }
  }
  // Each free non-cover group hangs on its free cover neighbour that comes first in the order.
  for (int g : leaves) {
    hub[g] = -1;
    if (sel[g] >= 0) continue;
    for (int ei : d.adj[g]) {
      const int o = d.other(d.edges[ei], g);
      if (sel[o] < 0 && cover_pos[o] >= 0 && (hub[g] < 0 || cover_pos[o] < cover_pos[hub[g]])) hub[g] = o;
    }
  }
  for (const auto& e : d.edges) {
    if (sel[e.a] >= 0 || sel[e.b] >= 0) continue;
    // x: the group that receives the term, y: its partner.
    int x = e.a, y = e.b;
    if (cover_pos[x] < 0 || (cover_pos[y] >= 0 && cover_pos[y] < cover_pos[x])) std::swap(x, y);
    const bool absorb = cover_pos[y] < 0 && hub[y] == x;
    const bool xa = x == e.a;
    for (int ox = 0; ox < d.n[x]; ++ox) {
      double best = -kInf;
      for (int oy = 0; oy < d.n[y]; ++oy) {
        double v = h(w, xa ? d.q_at(e, ox, oy) : d.q_at(e, oy, ox));
        if (absorb) v += base[d.off[y] + oy];
        best = std::max(best, v);
      }
      base[d.off[x] + ox] += best;
    }
  }
  for (int g = 0; g < G; ++g) {
    if (sel[g] >= 0) continue;
    if (cover_pos[g] < 0 && hub[g] >= 0) continue;  // absorbed into its hub
    double best = -kInf;
    for (int o = 0; o < d.n[g]; ++o) best = std::max(best, base[d.off[g] + o]);
    c += best;
  }
  return c;
}

double ExactSolver::Impl::lagrangian(const std::vector<double>& lam) {
  double w[16];
  std::vector<double> wv;
  double* wp = w;
  if (R > 16) {
    wv.resize(R);
    wp = wv.data();
  }
  wp[0] = 1;
  double c = 0;
  for (int k = 0; k < K; ++k) {
    wp[k + 1] = -lam[k];
    c += lam[k] * T[k];
  }
  return star_bound(wp) + c;
}

// Lower bounds on each constraint over completions of `sel` exceed the budget?
bool ExactSolver::Impl::cannot_fit() {
  std::vector<double> w(R, 0.0);
  for (int k = 0; k < K; ++k) {
    w[k + 1] = -1;
    if (-star_bound(w.data()) > T[k]) return true;
    w[k + 1] = 0;
  }
  return false;
}

void ExactSolver::Impl::optimize_lambda() {
  lambda.assign(K, 0.0);
  if (K == 0) return;
  const int sweeps = K == 1 ? 1 : 4;
  std::vector<double> tmp;
  for (int s = 0; s < sweeps; ++s) {
    for (int k = 0; k < K; ++k) {
      if (spread[k + 1] <= 0 || out_of_time()) continue;  // any multipliers give a valid bound
      auto Lk = [&](double x) {
        tmp = lambda;
        tmp[k] = x;
        return lagrangian(tmp);
      };
      double hi = lambda[k] > 0 ? lambda[k] : std::max(spread[0], 1e-12) / spread[k + 1];
      double fhi = Lk(hi);
      for (int it = 0; it < 60; ++it) {
        const double f2 = Lk(2 * hi);
        if (!(f2 < fhi)) break;
        hi *= 2;
        fhi = f2;
      }
      auto [bx, bf] = golden_section_min(Lk, 2 * hi, 40);
      const double f0 = Lk(0.0), fc = Lk(lambda[k]);
      if (f0 <= bf) {
        bx = 0;
        bf = f0;
      }
      if (fc < bf) bx = lambda[k];
      lambda[k] = bx;
    }
  }
}

void ExactSolver::Impl::dfs_cover(int depth, double node_bound) {
  ++nodes;
  if (out_of_time()) {
    open_bound = std::max(open_bound, node_bound);
    return;
  }
  if (depth == static_cast<int>(cover.size())) {
    ++cover_leaves;
    knapsack(node_bound);
    return;
  }
  const int g = cover[depth];
  std::vector<std::pair<double, int>> kids;
  for (int o = 0; o < d.n[g]; ++o) {
    sel[g] = o;
    if (cannot_fit()) continue;
    kids.emplace_back(std::min(node_bound, lagrangian(lambda)), o);
  }
  std::sort(kids.begin(), kids.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  for (const auto& [b, o] : kids) {
    if (have_inc && b <= inc + prune_tol()) break;
    if (aborted) {
      open_bound = std::max(open_bound, b);
      continue;
    }
    sel[g] = o;
    dfs_cover(depth + 1, b);
  }
  sel[g] = -1;
}

}  // namespace iqnas::solver
