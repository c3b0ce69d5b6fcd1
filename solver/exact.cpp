#include "solver/exact.h"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <limits>
#include <utility>

#include "solver/detail/dense.h"
#include "solver/detail/exact_dense.h"
#include "solver/detail/golden_section.h"

namespace iqnas::solver {

using detail::golden_section_min;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

double budget_slack(double max) {  // the feasibility tolerance of within_budget()
  const double s = std::fabs(max);
  return kFeasTol * (s > 1 ? s : 1);
}

}  // namespace

struct ExactSolver::Impl {
  Problem prob;
  DenseProblem d;  // after dominance reduction
  int G = 0, K = 0, R = 1;
  std::vector<int> cover;      // branching order of the cover groups
  std::vector<int> cover_pos;  // group -> position in `cover`, -1 otherwise
  std::vector<int> leaves;     // multi-option groups outside the cover
  std::vector<double> spread;  // per row: total range of coefficients (scales for multipliers)
  bool dense_mode = false;     // cover groups interact with each other: exact_dense.h
  std::vector<double> dense_lambda, dense_messages;  // root state of the last dense search

  // Per-solve state.
  std::vector<double> T;       // budget maxima (with the feasibility slack added)
  std::vector<double> Traw;
  std::vector<int> sel;        // reduced option per group, -1 when free
  bool have_inc = false;
  double inc = -kInf;
  std::vector<int> inc_sel;    // original option indices
  double open_bound = -kInf;   // max bound of subtrees cut off by the time limit
  bool aborted = false;
  double time_limit = 0;
  std::chrono::steady_clock::time_point t0;
  long nodes = 0, cover_leaves = 0;
  std::vector<double> lambda;
  std::vector<double> base;    // scratch, one per reduced option
  std::vector<int> hub;        // scratch, per group

  // Multiple-choice knapsack phase (all cover groups fixed).
  struct Item {
    double c;
    int o;
    int w;  // index into wbuf (K values)
  };
  struct Seg {
    double dc, dw, slope;
    int pos, to;  // knapsack position, option at the segment's upper end
  };
  std::vector<std::vector<Item>> items;  // per knapsack position
  std::vector<int> mk_group;             // knapsack position -> group
  std::vector<double> wbuf;
  // A surrogate budget sum_k mu_k * row_k <= sum_k mu_k * max_k; its LP relaxation is solved
  // greedily over the upper hulls of (surrogate weight, objective) of every group.
  struct Surrogate {
    std::vector<double> mu;
    std::vector<Seg> segs;
    std::vector<double> suf_c, suf_s;  // suffix sums over positions of the hull bases
    std::vector<int> hull_base;
  };
  std::vector<Surrogate> surs;
  std::vector<double> suf_w;  // suffix sums of per-row minima
  double mk_c0 = 0;
  std::vector<double> mk_w0;

  explicit Impl(const Problem& p) : prob(p) {
    DenseProblem full(p);
    d = full.restrict(full.undominated());
    G = d.G;
    K = d.K;
    R = d.R;
    // Greedy vertex cover of the interaction graph restricted to multi-option groups.
    cover_pos.assign(G, -1);
    std::vector<char> covered(d.edges.size(), 0);
    for (size_t e = 0; e < d.edges.size(); ++e)
      if (d.n[d.edges[e].a] < 2 || d.n[d.edges[e].b] < 2) covered[e] = 1;
    for (;;) {
      int best = -1, best_deg = 0;
      for (int g = 0; g < G; ++g) {
        if (cover_pos[g] >= 0) continue;
        int deg = 0;
        for (int e : d.adj[g]) deg += !covered[e];
        if (deg > best_deg || (deg == best_deg && deg > 0 && d.n[g] < d.n[best])) {
          best = g;
          best_deg = deg;
        }
      }
      if (best < 0) break;
      cover_pos[best] = static_cast<int>(cover.size());
      cover.push_back(best);
      for (int e : d.adj[best]) covered[e] = 1;
    }
    for (int g = 0; g < G; ++g)
      if (cover_pos[g] < 0 && d.n[g] > 1) leaves.push_back(g);
    spread = d.row_spread();
    // Edges between two cover groups are only bounded by their best partner option in phase 1;
    // when there are any, the search of exact_dense.h (local-polytope bound) is used instead.
    for (const auto& e : d.edges) dense_mode = dense_mode || (cover_pos[e.a] >= 0 && cover_pos[e.b] >= 0);
    base.assign(d.lin.size() / R, 0.0);
    hub.assign(G, -1);
  }

  bool out_of_time() {
    if (aborted) return true;
    if (time_limit > 0 && (nodes & 255) == 0) {
      const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (el > time_limit) aborted = true;
    }
    return aborted;
  }

  double h(const double* w, const double* x) const {
    double v = 0;
    for (int r = 0; r < R; ++r) v += w[r] * x[r];
    return v;
  }

  // Upper bound on sum_r w[r] * row_r(x) over all completions of `sel`: exact on every star of
  // the interaction graph among free groups (a free cover group and the free groups it hosts);
  // edges between two free cover groups are bounded by their best partner option.
  double star_bound(const double* w) {
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

  double lagrangian(const std::vector<double>& lam) {
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
  bool cannot_fit() {
    std::vector<double> w(R, 0.0);
    for (int k = 0; k < K; ++k) {
      w[k + 1] = -1;
      if (-star_bound(w.data()) > T[k]) return true;
      w[k + 1] = 0;
    }
    return false;
  }

  void optimize_lambda() {
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

  double prune_tol() const { return 1e-12 * std::max(1.0, std::fabs(inc)); }

  void consider(const std::vector<int>& reduced_sel) {
    double rows[64];
    std::vector<double> rv;
    double* rp = rows;
    if (R > 64) {
      rv.resize(R);
      rp = rv.data();
    }
    d.eval(reduced_sel.data(), rp);
    if (!d.feasible(rp, Traw.data())) return;
    if (!have_inc || rp[0] > inc) {
      have_inc = true;
      inc = rp[0];
      inc_sel.resize(G);
      for (int g = 0; g < G; ++g) inc_sel[g] = d.orig[g][reduced_sel[g]];
    }
  }

  // ---- phase 1: branch on the cover groups ----
  void dfs_cover(int depth, double node_bound) {
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

  // ---- phase 2: multiple-choice knapsack over the remaining groups ----
  static double lp(const Surrogate& su, int pos, double cap) {
    double v = su.suf_c[pos];
    cap -= su.suf_s[pos];
    if (cap < 0) return -kInf;
    for (const auto& sg : su.segs) {
      if (sg.pos < pos) continue;
      if (sg.dw <= cap) {
        v += sg.dc;
        cap -= sg.dw;
      } else {
        v += sg.slope * cap;
        break;
      }
    }
    return v;
  }

  void knapsack(double node_bound) {
    knapsack_inner(node_bound);
    for (int g : leaves) sel[g] = -1;
  }

  void knapsack_inner(double node_bound) {
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

  double surrogate_weight(const Surrogate& su, const Item& it) const {
    double v = 0;
    for (int k = 0; k < K; ++k) v += su.mu[k] * wbuf[it.w + k];
    return v;
  }

  // sum_k mu_k * (budget left after the fixed part and the groups fixed so far, fw)
  double surrogate_cap(const Surrogate& su, const std::vector<double>& fw) const {
    double v = 0;
    for (int k = 0; k < K; ++k) v += su.mu[k] * (T[k] - mk_w0[k] - fw[k]);
    return v;
  }

  void build_surrogate(Surrogate& su) {
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
  std::vector<double> knapsack_multipliers() {
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
  double knap_bound(int pos, double fc, const std::vector<double>& fw) const {
    double b = kInf;
    for (const auto& su : surs) {
      b = std::min(b, mk_c0 + fc + lp(su, pos, surrogate_cap(su, fw)));
      if (have_inc && b <= inc + prune_tol()) break;
    }
    return b;
  }

  void dfs_knap(int pos, double fc, std::vector<double>& fw, double node_bound) {
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

  Result run(const ExactOptions& opt, const std::vector<double>* maxes, const std::vector<int>* hint) {
    t0 = std::chrono::steady_clock::now();
    time_limit = opt.time_limit_s;
    Traw = maxes ? *maxes : d.rhs;
    T.resize(K);
    for (int k = 0; k < K; ++k) T[k] = Traw[k] + budget_slack(Traw[k]);
    sel.assign(G, -1);
    for (int g = 0; g < G; ++g)
      if (d.n[g] == 1) sel[g] = 0;
    have_inc = false;
    inc = -kInf;
    inc_sel.clear();
    open_bound = -kInf;
    aborted = false;
    nodes = cover_leaves = 0;
    if (hint && static_cast<int>(hint->size()) == G) {
      DenseProblem full(prob);
      std::vector<double> rows(R);
      full.eval(hint->data(), rows.data());
      if (full.feasible(rows.data(), Traw.data())) {
        have_inc = true;
        inc = rows[0];
        inc_sel = *hint;
      }
    }
    double root = kInf;
    long sweeps = 0, heuristic_improvements = 0;
    if (dense_mode) {
      detail::DenseSearchInput in;
      in.d = &d;
      in.T = T;
      in.Traw = Traw;
      in.have_incumbent = have_inc;
      in.incumbent = inc;
      in.time_limit_s = time_limit;
      in.t0 = t0;
      in.lambda = dense_lambda;
      in.messages = dense_messages;
      detail::DenseSearchOutput out = detail::dense_branch_and_bound(in);
      if (!out.lambda.empty()) {  // warm start of the next solve (a sweep)
        dense_lambda = std::move(out.lambda);
        dense_messages = std::move(out.messages);
      }
      if (out.found) {
        have_inc = true;
        inc = out.objective;
        inc_sel.resize(G);
        for (int g = 0; g < G; ++g) inc_sel[g] = d.orig[g][out.selection[g]];
      }
      aborted = out.aborted;
      open_bound = out.open_bound;
      root = out.root_bound;
      nodes = out.nodes;
      sweeps = out.sweeps;
      heuristic_improvements = out.heuristic_improvements;
    } else {
      optimize_lambda();
      if (!cannot_fit()) {
        root = lagrangian(lambda);
        dfs_cover(0, root);
      }
    }
    Result r;
    r.method = "exact";
    if (have_inc) {
      r.selection = inc_sel;
      r.status = aborted ? Status::Feasible : Status::Optimal;
      r.has_bound = true;
      r.bound = aborted ? std::max(inc, open_bound) : inc;
    } else if (aborted) {  // not proven infeasible: say so, never `infeasible`
      r.status = Status::TimeLimit;
      r.message = "time limit reached before any feasible selection was found (infeasibility not proven)";
      r.has_bound = open_bound > -kInf;
      r.bound = open_bound;
    } else {
      r.status = Status::Infeasible;
    }
    r.set_stat("nodes", static_cast<double>(nodes));
    r.set_stat("cover_groups", static_cast<double>(cover.size()));
    r.set_stat("cover_leaves", static_cast<double>(cover_leaves));
    r.set_stat("root_bound", root);
    int removed = 0;
    for (int g = 0; g < G; ++g) removed += static_cast<int>(prob.groups[g].options.size()) - d.n[g];
    r.set_stat("dominated_options", removed);
    r.set_stat("timed_out", aborted ? 1 : 0);
    r.set_stat("dense_search", dense_mode ? 1 : 0);
    if (dense_mode) {
      r.set_stat("mplp_sweeps", static_cast<double>(sweeps));
      r.set_stat("heuristic_improvements", static_cast<double>(heuristic_improvements));
    }
    r.solve_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
  }
};

ExactSolver::ExactSolver(const Problem& p) : impl_(std::make_unique<Impl>(p)) {}
ExactSolver::~ExactSolver() = default;

namespace {

// Runs fn on a thread with a stack of `bytes`, rethrowing what it throws; runs it here when no
// such thread can be made.
template <typename F>
void run_with_stack(size_t bytes, F& fn) {
  struct Ctx {
    F* fn;
    std::exception_ptr err;
  } ctx{&fn, nullptr};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_t th;
  const bool made = pthread_attr_setstacksize(&attr, bytes) == 0 &&
                    pthread_create(&th, &attr, [](void* p) -> void* {
                      auto* c = static_cast<Ctx*>(p);
                      try {
                        (*c->fn)();
                      } catch (...) {
                        c->err = std::current_exception();
                      }
                      return nullptr;
                    }, &ctx) == 0;
  pthread_attr_destroy(&attr);
  if (!made) {
    fn();
    return;
  }
  pthread_join(th, nullptr);
  if (ctx.err) std::rethrow_exception(ctx.err);
}

}  // namespace

Result ExactSolver::solve(const ExactOptions& opt, const std::vector<double>* maxes, const std::vector<int>* hint) {
  // The searches recurse once per group (a frame of about 1-2 KB): problems with thousands of
  // groups get a thread whose stack holds them (virtual memory; only the pages used are touched).
  Result r;
  auto run = [&] { r = impl_->run(opt, maxes, hint); };
  const size_t groups = impl_->prob.groups.size();
  if (groups > 1000)
    run_with_stack(16u * 1024 * 1024 + groups * 8192, run);
  else
    run();
  fill_result(impl_->prob, r, maxes);
  return r;
}

Result solve_exact(const Problem& p, const ExactOptions& opt) {
  // The time limit counts the preprocessing too: what is left of it goes to the search (a little
  // is always left, so that the search returns at once with a valid bound).
  const auto t0 = std::chrono::steady_clock::now();
  ExactSolver s(p);
  ExactOptions left = opt;
  if (opt.time_limit_s > 0)
    left.time_limit_s =
        std::max(1e-9, opt.time_limit_s - std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return s.solve(left);
}

double min_constraint_value(const Problem& p, int k) {
  Problem q;
  q.groups = p.groups;
  q.objective = p.constraints.at(k).expr;
  q.objective.constant = -q.objective.constant;
  for (auto& t : q.objective.linear) t.coef = -t.coef;
  for (auto& t : q.objective.bilinear) t.coef = -t.coef;
  Result r = solve_exact(q);
  return -r.objective;
}

}  // namespace iqnas::solver
