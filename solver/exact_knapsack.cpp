// exact, phase 2: the multiple-choice knapsack left once the cover groups are fixed, bounded by the
// LP relaxations of surrogate budgets (docs/solver.md, exact item 4).
#include <algorithm>

#include "solver/detail/exact_impl.h"
#include "solver/detail/golden_section.h"

namespace iqnas::solver {

using detail::golden_section_min;

void ExactSolver::Impl::knapsack(double node_bound) {
  knapsack_inner(node_bound);
  for (int g : leaves) sel[g] = -1;
}

void ExactSolver::Impl::knapsack_inner(double node_bound) {
  // Constants from the fixed groups; effective linear rows of the free ones.
  std::vector<double> c0(d.cst);
  for (int g = 0; g < G; ++g)
    if (sel[g] >= 0)
      for (int r = 0; r < R; ++r) c0[r] += d.lin_at(g, sel[g])[r];
  for (const auto& e : d.edges)
    if (sel[e.a] >= 0 && sel[e.b] >= 0)
      for (int r = 0; r < R; ++r) c0[r] += d.q_at(e, sel[e.a], sel[e.b])[r];
  const int M0 = static_cast<int>(leaves.size());
  std::vector<std::vector<double>> eff(M0);
  for (int i = 0; i < M0; ++i) {
    const int g = leaves[i];
    eff[i].assign(d.lin_at(g, 0), d.lin_at(g, 0) + d.n[g] * R);
    for (int ei : d.adj[g]) {
      const auto& e = d.edges[ei];
      const int other = d.other(e, g);
      const int so = sel[other];
      for (int o = 0; o < d.n[g]; ++o) {
        const double* q = e.a == g ? d.q_at(e, o, so) : d.q_at(e, so, o);
        for (int r = 0; r < R; ++r) eff[i][o * R + r] += q[r];
      }
    }
  }
  // Drop options that cannot fit even with every other group at its minimum, then dominated ones.
  std::vector<double> minw(static_cast<size_t>(M0) * K), totmin(K, 0.0);
  for (int i = 0; i < M0; ++i)
    for (int k = 0; k < K; ++k) {
      double m = kInf;
      for (int o = 0; o < d.n[leaves[i]]; ++o) m = std::min(m, eff[i][o * R + k + 1]);
      minw[i * K + k] = m;
      totmin[k] += m;
    }
  for (int k = 0; k < K; ++k)
    if (c0[k + 1] + totmin[k] > T[k]) return;
  mk_group.clear();
  items.clear();
  wbuf.clear();
  std::vector<std::vector<int>> kept;
  std::vector<double> single(R, 0.0);  // groups left with one option
  for (int i = 0; i < M0; ++i) {
    const int g = leaves[i];
    std::vector<int> ok;
    for (int o = 0; o < d.n[g]; ++o) {
      bool fits = true;
      for (int k = 0; k < K && fits; ++k)
        fits = c0[k + 1] + totmin[k] - minw[i * K + k] + eff[i][o * R + k + 1] <= T[k];
      if (fits) ok.push_back(o);
    }
    std::vector<int> keep;
    for (int o : ok) {
      bool dominated = false;
      for (int p : ok) {
        if (p == o) continue;
        const double* x = &eff[i][p * R];
        const double* y = &eff[i][o * R];
        bool better = x[0] >= y[0], strict = x[0] > y[0];
        for (int r = 1; r < R && better; ++r) {
          better = x[r] <= y[r];
          strict = strict || x[r] < y[r];
        }
        if (better && (strict || p < o)) {
          dominated = true;
          break;
        }
      }
      if (!dominated) keep.push_back(o);
    }
    if (keep.empty()) return;
    if (keep.size() == 1) {
      sel[g] = keep[0];
      for (int r = 0; r < R; ++r) single[r] += eff[i][keep[0] * R + r];
      continue;
    }
    kept.push_back(keep);
    mk_group.push_back(i);
  }
  for (int r = 0; r < R; ++r) c0[r] += single[r];
  const int M = static_cast<int>(mk_group.size());
  mk_c0 = c0[0];
  mk_w0.assign(c0.begin() + 1, c0.end());
  // Order the groups by the range of their objective values, largest first.
  std::vector<int> order(M);
  for (int j = 0; j < M; ++j) order[j] = j;
  auto range = [&](int j) {
    double lo = kInf, hi = -kInf;
    for (int o : kept[j]) {
      lo = std::min(lo, eff[mk_group[j]][o * R]);
      hi = std::max(hi, eff[mk_group[j]][o * R]);
    }
    return hi - lo;
  };
  std::vector<double> rng(M);
  for (int j = 0; j < M; ++j) rng[j] = range(j);
  std::stable_sort(order.begin(), order.end(), [&](int x, int y) { return rng[x] > rng[y]; });
  items.assign(M, {});
  std::vector<int> groups_at(M);
  for (int pos = 0; pos < M; ++pos) {
    const int j = order[pos];
    const int i = mk_group[j];
    groups_at[pos] = leaves[i];
    for (int o : kept[j]) {
      Item it;
      it.c = eff[i][o * R];
      it.o = o;
      it.w = static_cast<int>(wbuf.size());
      for (int k = 0; k < K; ++k) wbuf.push_back(eff[i][o * R + k + 1]);
      items[pos].push_back(it);
    }
  }
  mk_group = groups_at;
  suf_w.assign(static_cast<size_t>(M + 1) * K, 0.0);
  for (int pos = M - 1; pos >= 0; --pos)
    for (int k = 0; k < K; ++k) {
      double m = kInf;
      for (const auto& it : items[pos]) m = std::min(m, wbuf[it.w + k]);
      suf_w[pos * K + k] = suf_w[(pos + 1) * K + k] + m;
    }
  // Surrogates: each budget alone; when they do not prune, also the knapsack's own Lagrangian
  // multipliers (tried first from then on).
  surs.clear();
  if (K <= 1) {
    surs.push_back({});
    surs[0].mu.assign(K, 1.0);
    build_surrogate(surs[0]);
  } else {
    for (int k = 0; k < K; ++k) {
      surs.push_back({});
      surs.back().mu.assign(K, 0.0);
      surs.back().mu[k] = 1.0;
      build_surrogate(surs.back());
    }
  }
  for (int pos = 0; pos < M; ++pos)  // children are tried best objective first
    std::sort(items[pos].begin(), items[pos].end(), [](const Item& x, const Item& y) { return x.c > y.c; });
  std::vector<double> fw(K, 0.0);
  double root = std::min(node_bound, knap_bound(0, 0.0, fw));
  if (have_inc && root <= inc + prune_tol()) return;
  if (K > 1) {
    std::vector<double> mu = knapsack_multipliers();
    double sum = 0;
    for (double m : mu) sum += m;
    if (sum > 0) {
      Surrogate su;
      for (double m : mu) su.mu.push_back(m / sum);
      build_surrogate(su);
      surs.insert(surs.begin(), std::move(su));
      root = std::min(root, knap_bound(0, 0.0, fw));
      if (have_inc && root <= inc + prune_tol()) return;
    }
  }
  // Rounded-down greedy solution of each surrogate LP as an early incumbent.
  for (const auto& su : surs) {
    std::vector<int> s2(sel);
    for (int pos = 0; pos < M; ++pos) s2[mk_group[pos]] = su.hull_base[pos];
    double cap = surrogate_cap(su, fw) - su.suf_s[0];
    for (const auto& sg : su.segs) {
      if (sg.dw > cap) break;
      cap -= sg.dw;
      s2[mk_group[sg.pos]] = sg.to;  // segments of one group come in hull order
    }
    consider(s2);
  }
  dfs_knap(0, 0.0, fw, root);
}

void ExactSolver::Impl::build_surrogate(Surrogate& su) {
  const int M = static_cast<int>(items.size());
  su.segs.clear();
  su.hull_base.assign(M, 0);
  su.suf_c.assign(M + 1, 0.0);
  su.suf_s.assign(M + 1, 0.0);
  struct P {
    double s, c;
    int o;
  };
  for (int pos = M - 1; pos >= 0; --pos) {
    std::vector<P> v;
    for (const auto& it : items[pos]) v.push_back({surrogate_weight(su, it), it.c, it.o});
    std::sort(v.begin(), v.end(), [](const P& x, const P& y) { return x.s < y.s || (x.s == y.s && x.c > y.c); });
    std::vector<P> hull{v[0]};
    for (size_t t = 1; t < v.size(); ++t) {
      if (v[t].c <= hull.back().c) continue;
      while (hull.size() >= 2) {
        const P& p = hull[hull.size() - 2];
        const P& q = hull.back();
        // drop q when it lies on or below the line from p to v[t]
        if ((q.c - p.c) * (v[t].s - p.s) <= (v[t].c - p.c) * (q.s - p.s))
          hull.pop_back();
        else
          break;
      }
      hull.push_back(v[t]);
    }
    for (size_t t = 1; t < hull.size(); ++t) {
      Seg sg;
      sg.dc = hull[t].c - hull[t - 1].c;
      sg.dw = hull[t].s - hull[t - 1].s;
      sg.slope = sg.dc / sg.dw;
      sg.pos = pos;
      sg.to = hull[t].o;
      su.segs.push_back(sg);
    }
    su.hull_base[pos] = hull[0].o;
    su.suf_c[pos] = su.suf_c[pos + 1] + hull[0].c;
    su.suf_s[pos] = su.suf_s[pos + 1] + hull[0].s;
  }
  std::sort(su.segs.begin(), su.segs.end(), [](const Seg& x, const Seg& y) { return x.slope > y.slope; });
}

// Minimises the knapsack's Lagrangian dual over the multipliers (coordinate golden section,
// starting from the root multipliers).
std::vector<double> ExactSolver::Impl::knapsack_multipliers() {
  std::vector<double> lam = lambda;
  auto L = [&](const std::vector<double>& l) {
    double v = mk_c0;
    for (int k = 0; k < K; ++k) v += l[k] * (T[k] - mk_w0[k]);
    for (const auto& grp : items) {
      double best = -kInf;
      for (const auto& it : grp) {
        double x = it.c;
        for (int k = 0; k < K; ++k) x -= l[k] * wbuf[it.w + k];
        best = std::max(best, x);
      }
      v += best;
    }
    return v;
  };
  std::vector<double> tmp;
  for (int sweep = 0; sweep < 2; ++sweep)
    for (int k = 0; k < K; ++k) {
      if (spread[k + 1] <= 0) continue;
      auto Lk = [&](double x) {
        tmp = lam;
        tmp[k] = x;
        return L(tmp);
      };
      const double cur = Lk(lam[k]);
      double hi = lam[k] > 0 ? 2 * lam[k] : std::max(spread[0], 1e-12) / spread[k + 1];
      double fhi = Lk(hi);
      for (int it = 0; it < 40 && Lk(2 * hi) < fhi; ++it) {
        hi *= 2;
        fhi = Lk(hi);
      }
      const auto [bx, bf] = golden_section_min(Lk, 2 * hi, 20);
      const double f0 = Lk(0.0);
      if (f0 <= bf && f0 <= cur)
        lam[k] = 0;
      else if (bf < cur)
        lam[k] = bx;
    }
  return lam;
}

// Bound of the knapsack subtree after positions < pos are fixed (objective fc, rows fw).
double ExactSolver::Impl::knap_bound(int pos, double fc, const std::vector<double>& fw) const {
  double b = kInf;
  for (const auto& su : surs) {
    b = std::min(b, mk_c0 + fc + lp(su, pos, surrogate_cap(su, fw)));
    if (have_inc && b <= inc + prune_tol()) break;
  }
  return b;
}

void ExactSolver::Impl::dfs_knap(int pos, double fc, std::vector<double>& fw, double node_bound) {
  ++nodes;
  if (out_of_time()) {
    open_bound = std::max(open_bound, node_bound);
    return;
  }
  const int M = static_cast<int>(items.size());
  if (pos == M) {
    consider(sel);
    return;
  }
  const int g = mk_group[pos];
  struct Kid {
    double b;
    const Item* it;
  };
  Kid kids[64];
  std::vector<Kid> kv;
  Kid* kp = kids;
  if (items[pos].size() > 64) {
    kv.resize(items[pos].size());
    kp = kv.data();
  }
  int nk = 0;
  for (const auto& it : items[pos]) {
    bool fits = true;
    for (int k = 0; k < K && fits; ++k)
      fits = mk_w0[k] + fw[k] + wbuf[it.w + k] + suf_w[(pos + 1) * K + k] <= T[k];
    if (!fits) continue;
    for (int k = 0; k < K; ++k) fw[k] += wbuf[it.w + k];
    const double b = std::min(node_bound, knap_bound(pos + 1, fc + it.c, fw));
    for (int k = 0; k < K; ++k) fw[k] -= wbuf[it.w + k];
    if (b == -kInf || (have_inc && b <= inc + prune_tol())) continue;
    kp[nk++] = {b, &it};
  }
  std::sort(kp, kp + nk, [](const Kid& x, const Kid& y) { return x.b > y.b; });
  for (int t = 0; t < nk; ++t) {
    if (have_inc && kp[t].b <= inc + prune_tol()) break;
    if (aborted) {
      open_bound = std::max(open_bound, kp[t].b);
      continue;
    }
    const Item& it = *kp[t].it;
    sel[g] = it.o;
    for (int k = 0; k < K; ++k) fw[k] += wbuf[it.w + k];
    dfs_knap(pos + 1, fc + it.c, fw, kp[t].b);
    for (int k = 0; k < K; ++k) fw[k] -= wbuf[it.w + k];
  }
  sel[g] = -1;
}

}  // namespace iqnas::solver
