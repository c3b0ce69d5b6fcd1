#include "solver/detail/exact_dense.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "solver/detail/golden_section.h"
#include "solver/detail/mplp_bound.h"

namespace iqnas::solver::detail {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

class Search {
 public:
  explicit Search(const DenseSearchInput& in)
      : d(*in.d), G(d.G), K(d.K), R(d.R), E(static_cast<int>(d.edges.size())), T(in.T), Traw(in.Traw), mp(d) {
    have_inc = in.have_incumbent;
    inc = in.have_incumbent ? in.incumbent : -kInf;
    time_limit = in.time_limit_s;
    t0 = in.t0;
    for (int e = 0; e < E; ++e) {
      bool budget = false;
      for (size_t i = 0; i < d.edges[e].q.size() && !budget; ++i) budget = i % R != 0 && d.edges[e].q[i] != 0;
      if (budget) budget_edges.push_back(e);
    }
    spread = d.row_spread();
    edge_weight.resize(E);
    for (int e = 0; e < E; ++e) {
      double lo = kInf, hi = -kInf;
      for (size_t i = 0; i < d.edges[e].q.size(); i += R) lo = std::min(lo, d.edges[e].q[i]), hi = std::max(hi, d.edges[e].q[i]);
      edge_weight[e] = hi - lo;
    }
    order = branching_order();
    // Warm start only from multipliers of a sane scale: a budget met only by its tightest
    // selections drives them up by orders of magnitude, and bounds computed with them would lose
    // their precision for the next budget.
    bool sane = static_cast<int>(in.lambda.size()) == K;
    for (int k = 0; k < K && sane; ++k)
      sane = std::isfinite(in.lambda[k]) && in.lambda[k] <= max_lambda(k);
    if (sane) sane = mp.set_messages(in.messages);
    if (sane) warm_lambda = in.lambda;
  }

  DenseSearchOutput run() {
    DenseSearchOutput out;
    lam = warm_lambda.empty() ? std::vector<double>(K, 0.0) : warm_lambda;
    mp.set_lambda(lam, T);
    if (!propagate()) return finish(out, -kInf);
    cheapest_selection();
    optimise_lambda();
    double root = converge(kRootSweeps, kInf);
    // Stopped during the multiplier search: its probes' bounds are as valid and may be lower.
    if (aborted) root = std::min(root, probe_bound);
    out.root_bound = root;
    out.lambda = lam;
    out.messages = mp.messages();
    heuristic(true);
    root = smooth_root(root);
    // Nothing left to search when the fixing empties a domain: the incumbent is optimal.
    bool searched = false;
    if (!aborted && !root_closed && fix_by_bound()) {
      searched = true;
      dfs(root);
    }
    // Stopped before the search: the root bound. Stopped during it: the largest bound of the
    // subtrees left (every one is recorded where the search stopped; it was the root bound before).
    if (aborted && !searched) open_bound = std::max(open_bound, root);
    return finish(out, root);
  }

 private:
  // Sweeps per bound: cap at the root and for every multiplier probe (messages warm-started from
  // the previous probe converge slowly when the multipliers move), and per node.
  static constexpr int kRootSweeps = 200;
  // Measured on the dense family: 4 too few; with the cover branched last (round 5) 40 does fewer
  // sweeps in all than 20 (k1 x2000 s0 1.53M -> 1.37M, 25,240 -> 13,862 nodes), 60-100 more.
  static constexpr int kNodeSweeps = 40;
  static constexpr int kPairMoves = 50;  // two-group moves per local search
  static constexpr int kMaxPasses = 10;  // multiplier passes with several budgets
  static constexpr double kPassTol = 1e-3;
  // Soft-max sweeps at the root: temperatures from kSmoothStart x the mean range of the edges'
  // objective tables down by 3x per stage (6 stages), kSmoothSweeps sweeps each; only when the
  // plain root bound is further than kSmoothGap (relative) from the incumbent.
  static constexpr double kSmoothStart = 0.25;
  static constexpr int kSmoothStages = 6;
  static constexpr int kSmoothSweeps = 50;
  static constexpr double kSmoothGap = 0.02;

  const DenseProblem& d;
  const int G, K, R, E;
  const std::vector<double> T, Traw;
  MplpBound mp;
  std::vector<double> lam;
  std::vector<double> spread;
  std::vector<int> budget_edges;  // edges with a non-zero budget coefficient
  std::vector<double> edge_weight;  // per edge: the range of its objective table
  std::vector<char> cover;        // a vertex cover of the budget edges, branched on last
  std::vector<int> order;         // static branching order
  std::vector<double> warm_lambda;
  std::vector<double> single;      // local search: row changes of every single-group move
  std::vector<int> open_count;     // branch_group: open options per group (kept to spare an allocation per node)

  bool have_inc = false;
  double inc = -kInf;
  std::vector<int> inc_sel;
  bool improved = false;
  bool root_closed = false;  // the root's fixing emptied a domain: the incumbent is optimal
  bool soft_max_root = false;
  double open_bound = -kInf;
  bool aborted = false;
  double probe_bound = kInf;  // the least bound of the multiplier search's probes
  double time_limit = 0;
  std::chrono::steady_clock::time_point t0;
  long nodes = 0, heur = 0, repaired = 0;

  DenseSearchOutput& finish(DenseSearchOutput& out, double root) {
    out.found = improved;
    if (improved) {
      out.selection = inc_sel;
      out.objective = inc;
    }
    out.aborted = aborted;
    out.open_bound = open_bound;
    out.root_bound = root;
    out.nodes = nodes;
    out.sweeps = mp.sweeps();
    out.heuristic_improvements = heur;
    out.repaired_improvements = repaired;
    out.soft_max_root = soft_max_root;
    return out;
  }

  bool out_of_time() {
    if (aborted) return true;
    if (time_limit > 0 && std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > time_limit)
      aborted = true;
    return aborted;
  }

  double tol() const { return 1e-12 * std::max(1.0, std::fabs(inc)); }

  // Static branching order: the groups whose objective products weigh most first (weighted
  // degree), and last a greedy vertex cover of the edges that carry budget terms (once they are
  // fixed every budget is linear). Fixing a cover group (a depth group of three options in the
  // dense family) barely lowers the bound: with the cover first, k1 x2000 s1 took 22,301 nodes
  // (the bound fell 0.07 over the first three levels, a full tree of 3^5 nodes before any
  // pruning); with it last, 434 nodes (docs/benchmarks-solver.md, development round 5). Sets
  // `cover`.
  std::vector<int> branching_order() {
    std::vector<double> wdeg(G, 0.0);
    for (int e = 0; e < E; ++e) {
      wdeg[d.edges[e].a] += edge_weight[e];
      wdeg[d.edges[e].b] += edge_weight[e];
    }
    std::vector<int> bdeg(G, 0);
    std::vector<char> covered(E, 0);
    cover.assign(G, 0);
    for (;;) {
      std::fill(bdeg.begin(), bdeg.end(), 0);
      for (int e : budget_edges)
        if (!covered[e]) {
          ++bdeg[d.edges[e].a];
          ++bdeg[d.edges[e].b];
        }
      int best = -1;
      for (int g = 0; g < G; ++g)
        if (!cover[g] && bdeg[g] > 0 && (best < 0 || bdeg[g] > bdeg[best])) best = g;
      if (best < 0) break;
      cover[best] = 1;
      for (int e : d.adj[best]) covered[e] = 1;
    }
    std::vector<int> ord(G);
    std::iota(ord.begin(), ord.end(), 0);
    std::stable_sort(ord.begin(), ord.end(), [&](int x, int y) {
      if (cover[x] != cover[y]) return cover[x] < cover[y];
      return wdeg[x] > wdeg[y];
    });
    return ord;
  }

  // The group branched on at a node: among the open groups outside the cover, the one with the
  // largest weight to other open groups times the log of its open options (measured against the
  // static order: k1 x2000 s2 7,674 -> 4,437 nodes, the other problems 0.9-1.1x); else the first
  // open group of the static order; -1 when every domain is one option.
  int branch_group() {
    std::vector<int>& open = open_count;
    open.assign(static_cast<size_t>(G), 0);
    for (int h = 0; h < G; ++h)
      for (int o = 0; o < d.n[h]; ++o) open[h] += mp.allowed(h, o);
    int g = -1;
    double best = 0;
    for (int h = 0; h < G; ++h) {
      if (open[h] < 2 || cover[h]) continue;
      double w = 0;
      for (int e : d.adj[h])
        if (open[d.other(d.edges[e], h)] > 1) w += edge_weight[e];
      w *= std::log(static_cast<double>(open[h]));
      if (w > best) best = w, g = h;
    }
    if (g >= 0) return g;
    for (int h : order)
      if (open[h] > 1) return h;
    return -1;
  }

  // Sweeps until the bound stops improving, `cap` sweeps, the node can be pruned or the time is up.
  // The first sweep always runs: the bound is valid only after one since the last set_lambda.
  // The clock is read after every sweep: on the dense family 16 sweeps took about 5 ms.
  double converge(int cap, double node_bound) {
    mp.sweep();
    double b = mp.bound();
    for (int s = 1; s < cap; ++s) {
      if (have_inc && std::min(b, node_bound) <= inc + tol()) break;
      if (out_of_time()) break;
      mp.sweep();
      const double nb = mp.bound();
      const bool small = b - nb <= 1e-9 * std::max(1.0, std::fabs(b));
      b = std::min(b, nb);
      if (small) break;
    }
    return std::min(b, node_bound);
  }

  // Plain MPLP sweeps stall at fixed points of the dual above the local polytope's LP optimum
  // (k1 x2000 s0: 99.96 against the LP's 99.39, solved by HiGHS). Sweeps with every max replaced
  // by a soft maximum, at temperatures annealed towards 0, leave those points; plain sweeps then
  // restore the bound's invariant. At the root only, for its bound and its reduced-cost fixing:
  // the search itself goes on from the plain messages (measured: from the smoothed ones the
  // children's bounds were worse, k1 x0300 s1 637 -> 1,967 nodes; at every node a soft-max sweep
  // costs more time than it saves). Sets root_closed when the fixing empties a domain.
  double smooth_root(double root) {
    if (E == 0 || !have_inc || root - inc <= kSmoothGap * std::max(1.0, std::fabs(inc)) || out_of_time()) return root;
    double range = 0;
    for (const auto& ed : d.edges) {
      double lo = kInf, hi = -kInf;
      for (size_t i = 0; i < ed.q.size(); i += R) lo = std::min(lo, ed.q[i]), hi = std::max(hi, ed.q[i]);
      range += hi - lo;
    }
    if (!(range > 0)) return root;  // no objective products: nothing to smooth, and tau would be 0
    MplpBound::State plain;
    mp.save(plain);
    double tau = kSmoothStart * range / E, b = root;
    for (int stage = 0; stage < kSmoothStages && !out_of_time(); ++stage, tau /= 3) {
      for (int s = 0; s < kSmoothSweeps && !((s & 15) == 0 && out_of_time()); ++s) mp.smooth_sweep(tau);
      b = std::min(b, converge(kRootSweeps, kInf));
    }
    // Any finished sweep leaves a valid bound; the fixing needs the invariant of the last one.
    const bool fix = !aborted && mp.bound() < root;
    soft_max_root = fix;
    root_closed = fix && !fix_by_bound();
    std::vector<std::pair<int, int>> fixed;
    for (int g = 0; g < G && fix; ++g)
      for (int o = 0; o < d.n[g]; ++o)
        if (!mp.allowed(g, o)) fixed.emplace_back(g, o);
    mp.restore(plain);
    for (const auto& [g, o] : fixed) mp.disallow(g, o);
    return std::min(root, b);
  }

  // Multipliers beyond this scale would make the bounds lose their precision (cw = lambda * T).
  double max_lambda(int k) const { return 1e3 * std::max(spread[0], 1e-12) / spread[k + 1]; }

  // Minimises the bound over the multipliers (coordinate golden-section search, messages carried
  // over from one probe to the next).
  void optimise_lambda() {
    if (K == 0) return;
    std::vector<double> tmp;
    // A probe: the bound at multipliers lam with lam[k] = x. Once the time is up every probe is
    // +inf without a sweep, so the searches below end at once and keep the best point probed.
    auto probe = [&](const std::vector<double>& l) {
      if (out_of_time()) return kInf;
      mp.set_lambda(l, T);
      const double b = converge(kRootSweeps, kInf);
      probe_bound = std::min(probe_bound, b);
      // Every probe's beliefs also seed the incumbent: with several budgets the selections that
      // fit lie between the multipliers' maximisers, and the dive alone finds poor ones
      // (k3 x0100 s0: 86.69 after 110,000 nodes; the optimum 87.13 from the probes at the root).
      if (!aborted) heuristic(false);
      return b;
    };
    auto F = [&](int k, double x) {
      tmp = lam;
      tmp[k] = x;
      return probe(tmp);
    };
    // Several budgets: passes until one lowers the bound by less than kPassTol (relative); the
    // coordinate search converges slowly when budgets bind together.
    const int passes = K == 1 ? 1 : kMaxPasses;
    double before = kInf;
    std::vector<double> start;
    for (int pass = 0; pass < passes && !out_of_time(); ++pass) {
      double after = kInf;
      start = lam;
      for (int k = 0; k < K; ++k) {
        if (spread[k + 1] <= 0 || out_of_time()) continue;
        const double cur = lam[k];
        double hi = cur > 0 ? 2 * cur : std::max(spread[0], 1e-12) / spread[k + 1];
        double fhi = F(k, hi);
        const double cap = max_lambda(k);  // numerical safety: any multipliers >= 0 give a bound
        for (int it = 0; it < 40 && !aborted && 2 * hi <= cap; ++it) {
          const double f2 = F(k, 2 * hi);
          if (!(f2 < fhi)) break;
          hi *= 2;
          fhi = f2;
        }
        auto [bx, bf] = golden_section_min([&](double x) { return F(k, x); }, 2 * hi,
                                           warm_lambda.empty() && pass == 0 ? 24 : 12);
        const double f0 = F(k, 0.0), fc = F(k, cur);
        if (f0 <= bf && f0 <= fc) bx = 0, bf = f0;
        else if (fc < bf) bx = cur, bf = fc;
        if (aborted && bf == kInf) break;  // out of time before any probe of this coordinate: lam[k] stays
        lam[k] = bx;
        after = bf;
      }
      // Pattern move: a line search along the pass's step (coordinate passes zig-zag when two
      // budgets bind together).
      if (K > 1 && pass > 0 && !out_of_time()) {
        const std::vector<double> from = lam;
        auto along = [&](double t) {
          for (int k = 0; k < K; ++k) tmp[k] = std::max(0.0, from[k] + t * (from[k] - start[k]));
          return probe(tmp);
        };
        tmp.resize(K);
        auto [bt, bf] = golden_section_min(along, 4.0, 10);
        if (bf < after) {
          for (int k = 0; k < K; ++k) lam[k] = std::max(0.0, from[k] + bt * (from[k] - start[k]));
          after = bf;
        }
      }
      if (before - after <= kPassTol * std::max(1.0, std::fabs(after))) break;
      before = after;
    }
    mp.set_lambda(lam, T);
  }

  // Drops options that cannot fit some budget whatever the other groups choose (lower bound: the
  // smallest linear coefficient of every group plus the smallest product of every budget edge on
  // the domains). False when a budget cannot be met or a domain is empty.
  bool propagate() {
    if (K == 0) return true;
    std::vector<double> lo(static_cast<size_t>(G) * K), lb(K);
    for (int pass = 0; pass < 3; ++pass) {
      for (int k = 0; k < K; ++k) lb[k] = d.cst[k + 1];
      for (int g = 0; g < G; ++g)
        for (int k = 0; k < K; ++k) {
          double m = kInf;
          for (int o = 0; o < d.n[g]; ++o)
            if (mp.allowed(g, o)) m = std::min(m, d.lin_at(g, o)[k + 1]);
          if (m == kInf) return false;
          lo[g * K + k] = m;
          lb[k] += m;
        }
      for (int e : budget_edges) {
        const auto& ed = d.edges[e];
        for (int k = 0; k < K; ++k) {
          double m = kInf;
          for (int oa = 0; oa < d.n[ed.a]; ++oa) {
            if (!mp.allowed(ed.a, oa)) continue;
            for (int ob = 0; ob < d.n[ed.b]; ++ob)
              if (mp.allowed(ed.b, ob)) m = std::min(m, d.q_at(ed, oa, ob)[k + 1]);
          }
          lb[k] += m;
        }
      }
      for (int k = 0; k < K; ++k)
        if (lb[k] > T[k]) return false;
      bool changed = false;
      for (int g = 0; g < G; ++g)
        for (int o = 0; o < d.n[g]; ++o) {
          if (!mp.allowed(g, o)) continue;
          for (int k = 0; k < K; ++k)
            if (lb[k] - lo[g * K + k] + d.lin_at(g, o)[k + 1] > T[k]) {
              mp.disallow(g, o);
              changed = true;
              break;
            }
        }
      if (!changed) break;
    }
    for (int g = 0; g < G; ++g)
      if (mp.best_belief(g) == -kInf) return false;
    return true;
  }

  void consider(const std::vector<int>& s) {
    std::vector<double> rows(R);
    d.eval(s.data(), rows.data());
    if (!d.feasible(rows.data(), Traw.data())) return;
    if (!have_inc || rows[0] > inc) {
      have_inc = true;
      improved = true;
      inc = rows[0];
      inc_sel = s;
    }
  }

  // 1-opt, then the best improving two-group move that keeps every budget (it escapes the local
  // optima where a budget is tight: a cheaper option in one group pays for a better one in
  // another), repeated while a move improves.
  // The two-group moves cost O(options^2) per move: at a node they run only on a selection that
  // already beats the incumbent (measured: at every node they slowed the 3-budget problems 2x).
  void local_search(std::vector<int>& s, std::vector<double>& rows, bool pairs) {
    for (int moves = 0; moves < kPairMoves; ++moves) {
      one_opt(s, rows);
      if (!(pairs || (have_inc && rows[0] > inc)) || !pair_move(s, rows)) break;
    }
  }

  // Changes to the rows when only group g moves to option o, for every (g, o) (0 at s[g]).
  void single_deltas(const std::vector<int>& s) {
    single.assign(d.lin.size(), 0.0);  // one row change per option
    for (int g = 0; g < G; ++g)
      for (int o = 0; o < d.n[g]; ++o) {
        if (o == s[g]) continue;
        double* dl = &single[static_cast<size_t>(d.off[g] + o) * R];
        for (int r = 0; r < R; ++r) dl[r] = d.lin_at(g, o)[r] - d.lin_at(g, s[g])[r];
        for (int ei : d.adj[g]) {
          const auto& ed = d.edges[ei];
          const double* qn = ed.a == g ? d.q_at(ed, o, s[ed.b]) : d.q_at(ed, s[ed.a], o);
          const double* qc = ed.a == g ? d.q_at(ed, s[g], s[ed.b]) : d.q_at(ed, s[ed.a], s[g]);
          for (int r = 0; r < R; ++r) dl[r] += qn[r] - qc[r];
        }
      }
  }

  bool pair_move(std::vector<int>& s, std::vector<double>& rows) {
    single_deltas(s);
    std::vector<double> delta(R), best_delta(R);
    double best_gain = 1e-12 * std::max(1.0, std::fabs(rows[0]));
    int bg = -1, bh = -1, bo = -1, bp = -1;
    for (int g = 0; g < G && !out_of_time(); ++g)
      for (int h = g + 1; h < G; ++h) {
        const int ei = mp.edge(g, h);
        const DenseProblem::Edge* ed = ei < 0 ? nullptr : &d.edges[ei];  // ed->a == g
        for (int o = 0; o < d.n[g]; ++o) {
          if (o == s[g]) continue;
          const double* dg = &single[static_cast<size_t>(d.off[g] + o) * R];
          for (int p = 0; p < d.n[h]; ++p) {
            if (p == s[h]) continue;
            const double* dh = &single[static_cast<size_t>(d.off[h] + p) * R];
            for (int r = 0; r < R; ++r) delta[r] = dg[r] + dh[r];
            if (ed) {  // the pair's own product counted once, at (o, p)
              const double *qop = d.q_at(*ed, o, p), *qos = d.q_at(*ed, o, s[h]), *qsp = d.q_at(*ed, s[g], p),
                           *qss = d.q_at(*ed, s[g], s[h]);
              for (int r = 0; r < R; ++r) delta[r] += qop[r] - qos[r] - qsp[r] + qss[r];
            }
            if (delta[0] <= best_gain) continue;
            bool fits = true;
            for (int k = 0; k < K && fits; ++k) fits = within_budget(rows[k + 1] + delta[k + 1], Traw[k]);
            if (!fits) continue;
            best_gain = delta[0];
            best_delta = delta;
            bg = g, bh = h, bo = o, bp = p;
          }
        }
      }
    if (bg < 0 || aborted) return false;
    s[bg] = bo;
    s[bh] = bp;
    for (int r = 0; r < R; ++r) rows[r] += best_delta[r];
    return true;
  }

  // Changes one group at a time while the objective improves and every budget holds.
  void one_opt(std::vector<int>& s, std::vector<double>& rows) {
    std::vector<double> delta(R);
    for (bool moved = true; moved;) {
      moved = false;
      for (int g = 0; g < G; ++g) {
        int best_o = -1;
        double best_gain = 1e-12 * std::max(1.0, std::fabs(rows[0]));
        std::vector<double> best_delta;
        for (int o = 0; o < d.n[g]; ++o) {
          if (o == s[g]) continue;
          for (int r = 0; r < R; ++r) delta[r] = d.lin_at(g, o)[r] - d.lin_at(g, s[g])[r];
          for (int ei : d.adj[g]) {
            const auto& ed = d.edges[ei];
            const double* qn = ed.a == g ? d.q_at(ed, o, s[ed.b]) : d.q_at(ed, s[ed.a], o);
            const double* qc = ed.a == g ? d.q_at(ed, s[g], s[ed.b]) : d.q_at(ed, s[ed.a], s[g]);
            for (int r = 0; r < R; ++r) delta[r] += qn[r] - qc[r];
          }
          if (delta[0] <= best_gain) continue;
          bool fits = true;
          for (int k = 0; k < K && fits; ++k) fits = within_budget(rows[k + 1] + delta[k + 1], Traw[k]);
          if (!fits) continue;
          best_gain = delta[0];
          best_o = o;
          best_delta = delta;
        }
        if (best_o < 0) continue;
        s[g] = best_o;
        for (int r = 0; r < R; ++r) rows[r] += best_delta[r];
        moved = true;
      }
    }
  }

  // An early incumbent, before the multiplier search: per group the allowed option with the least
  // sum of its budget coefficients (each budget scaled by its maximum), improved by local search.
  void cheapest_selection() {
    if (K == 0) return;
    std::vector<int> s(G, 0);
    for (int g = 0; g < G; ++g) {
      double best = kInf;
      for (int o = 0; o < d.n[g]; ++o) {
        if (!mp.allowed(g, o)) continue;
        double v = 0;
        for (int k = 0; k < K; ++k) v += d.lin_at(g, o)[k + 1] / std::max(1e-12, std::fabs(T[k]));
        if (v < best) {
          best = v;
          s[g] = o;
        }
      }
    }
    std::vector<double> rows(R);
    d.eval(s.data(), rows.data());
    if (!d.feasible(rows.data(), Traw.data())) return;
    local_search(s, rows, true);
    consider(s);
  }

  // Budget excess of the rows, each budget relative to its maximum.
  double excess(const double* rows) const {
    double e = 0;
    for (int k = 0; k < K; ++k) e += std::max(0.0, rows[k + 1] - Traw[k]) / std::max(1.0, std::fabs(Traw[k]));
    return e;
  }

  // Makes a selection that breaks a budget fit: one group at a time, the move that removes the
  // most excess per unit of objective given up (any option, the node's domains ignored: the
  // result only seeds the incumbent). False when no move lowers the excess.
  bool repair(std::vector<int>& s, std::vector<double>& rows) {
    std::vector<double> moved(R);
    for (double ex = excess(rows.data()); !d.feasible(rows.data(), Traw.data());) {
      if (out_of_time()) return false;
      single_deltas(s);
      double best = -kInf, best_ex = ex;
      int bg = -1, bo = -1;
      for (int g = 0; g < G; ++g)
        for (int o = 0; o < d.n[g]; ++o) {
          if (o == s[g]) continue;
          const double* dl = &single[static_cast<size_t>(d.off[g] + o) * R];
          for (int r = 0; r < R; ++r) moved[r] = rows[r] + dl[r];
          const double e = excess(moved.data());
          if (e >= ex) continue;
          const double score = (ex - e) / (std::max(0.0, -dl[0]) + 1e-9);
          if (score > best) best = score, best_ex = e, bg = g, bo = o;
        }
      if (bg < 0) return false;
      const double* dl = &single[static_cast<size_t>(d.off[bg] + bo) * R];
      for (int r = 0; r < R; ++r) rows[r] += dl[r];
      s[bg] = bo;
      ex = best_ex;
    }
    return true;
  }

  // The best belief of every group as a selection, repaired when it breaks a budget, improved by
  // local search.
  void heuristic(bool pairs) {
    std::vector<int> s(G, 0);
    for (int g = 0; g < G; ++g) mp.best_belief(g, &s[g]);
    std::vector<double> rows(R);
    d.eval(s.data(), rows.data());
    const bool broke = !d.feasible(rows.data(), Traw.data());
    if (broke && !repair(s, rows)) return;
    const double before = inc;
    local_search(s, rows, pairs);
    consider(s);
    if (inc > before) ++heur, repaired += broke;
  }

  // Reduced-cost fixing. While the edge invariant holds (after a sweep, on any smaller domains too),
  // the node restricted to option o of group g is bounded by bound() - best_belief(g) + bel(o):
  // options whose bound cannot beat the incumbent are dropped for the subtree. False when a domain
  // empties (the node cannot beat the incumbent).
  bool fix_by_bound() {
    if (!have_inc) return true;
    const double b = mp.bound(), cut = inc + tol();
    for (int g = 0; g < G; ++g) {
      const double gb = mp.best_belief(g);
      bool left = false;
      for (int o = 0; o < d.n[g]; ++o) {
        if (!mp.allowed(g, o)) continue;
        if (b - gb + mp.belief(g, o) <= cut)
          mp.disallow(g, o);
        else
          left = true;
      }
      if (!left) return false;
    }
    return true;
  }

  void dfs(double node_bound) {
    ++nodes;
    if (out_of_time()) {
      open_bound = std::max(open_bound, node_bound);
      return;
    }
    if (!fix_by_bound()) return;
    const int g = branch_group();
    if (g < 0) {  // every domain is one option
      std::vector<int> s(G, 0);
      for (int h = 0; h < G; ++h) mp.best_belief(h, &s[h]);
      consider(s);
      return;
    }
    const double b = mp.bound();
    const double gb = mp.best_belief(g);
    std::vector<std::pair<double, int>> kids;
    for (int o = 0; o < d.n[g]; ++o)
      if (mp.allowed(g, o)) kids.emplace_back(std::min(node_bound, b - gb + mp.belief(g, o)), o);
    std::sort(kids.begin(), kids.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
    MplpBound::State saved;
    mp.save(saved);
    for (const auto& [qb, o] : kids) {
      if (have_inc && qb <= inc + tol()) break;
      if (aborted) {
        open_bound = std::max(open_bound, qb);
        continue;
      }
      mp.restore(saved);
      for (int p = 0; p < d.n[g]; ++p)
        if (p != o) mp.disallow(g, p);
      if (!propagate()) continue;
      const double cb = converge(kNodeSweeps, qb);
      if (aborted) {
        open_bound = std::max(open_bound, cb);
        continue;
      }
      if (have_inc && cb <= inc + tol()) continue;
      heuristic(false);
      if (have_inc && cb <= inc + tol()) continue;
      dfs(cb);
    }
  }
};

}  // namespace

DenseSearchOutput dense_branch_and_bound(const DenseSearchInput& in) { return Search(in).run(); }

}  // namespace iqnas::solver::detail
